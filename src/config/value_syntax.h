// Syntax checks for the string values of the config schema (addresses, names, metadata keys,
// method patterns, byte sizes). Pure functions; a non-OK status carries the message shown to the
// user after "FILE:LINE:COL: key.path: ".
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace modelgate::config {

// The parts of "host:port" or "[ipv6]:port" (host without brackets), or nullopt unless the
// text has that shape: a non-empty host of [A-Za-z0-9._-] (hex digits, ':' and '.' when
// bracketed) and a port of 1-5 digits, not range-checked.
struct HostPort {
  absl::string_view host;
  int port = 0;
  bool bracketed = false;
};
std::optional<HostPort> SplitHostPort(absl::string_view address);

// "port must be between min_port and 65535" unless it is.
absl::Status CheckPortRange(const HostPort& host_port, int min_port);

// "host:port" or "[ipv6]:port", port in [min_port, 65535]. Listeners allow port 0 (the kernel
// picks one; tests read it back); upstream addresses need a real port.
absl::Status CheckHostPort(absl::string_view address, int min_port);

// Backend, route and arm names: [A-Za-z0-9_.-]+. They become Prometheus label values and
// response header values, so the alphabet stays boring on purpose.
absl::Status CheckName(absl::string_view name);

// A backend's :authority override: host, host:port, [v6] or [v6]:port.
absl::Status CheckAuthority(absl::string_view authority);

// A gRPC metadata key usable for matching: non-empty, [0-9a-z_.-], and not one gRPC consumes
// itself (":"-pseudo-headers, te, content-type, grpc-*). gRPC lowercases keys on the wire, so an
// uppercase key in the config could never match; it is rejected, not folded.
absl::Status CheckMetadataKey(absl::string_view key);

// A non-binary metadata value: printable ASCII (0x20-0x7E), as gRPC requires.
absl::Status CheckMetadataValue(absl::string_view value);

// A fully-qualified service name, e.g. "inference.GRPCInferenceService".
absl::Status CheckServiceName(absl::string_view service);

// A bare method name, e.g. "ModelInfer".
absl::Status CheckMethodName(absl::string_view method);

// "/pkg.Service/Method" or "/pkg.Service/*" (^/[^/]+/([^/]+|\*)$).
absl::Status CheckMethodPattern(absl::string_view pattern);

// "<digits>" optionally followed by KiB, MiB or GiB (powers of 1024). Only the syntax and
// int64 overflow are checked here; the caller applies its range.
absl::StatusOr<int64_t> ParseByteSize(absl::string_view text);

}  // namespace modelgate::config
