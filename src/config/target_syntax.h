// Syntax of backends[].address: a gRPC target. The forms gRPC 1.51 resolves by itself are
// accepted, each with its own error message, so a typo fails at load time with a position
// instead of leaving the channel in TRANSIENT_FAILURE at run time.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace modelgate::config {

// One of (ports 1-65535, always explicit: gRPC would silently default to 443):
//   host:port, [v6]:port                  resolved through DNS, as gRPC does
//   dns:///host:port, dns:host:port       DNS, e.g. a headless Service's pod addresses
//   dns://dns-server[:port]/host:port     DNS through that server (an IP address)
//   ipv4:addr:port[,addr:port...]         fixed IPv4 addresses
//   ipv6:[addr]:port[,[addr]:port...]     fixed IPv6 addresses
//   unix:path, unix:///abs/path           a Unix domain socket
//   unix-abstract:name                    an abstract Unix socket
absl::Status CheckBackendAddress(absl::string_view target);

}  // namespace modelgate::config
