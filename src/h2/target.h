// A backend's gRPC target URI resolved to socket addresses for the frame-level data plane:
// host:port, dns:[//server/]host:port, ipv4:addr:port[,...], ipv6:[addr]:port[,...], unix:path,
// unix-abstract:name. Resolution blocks (getaddrinfo), so it runs when a snapshot is built, off
// the event loops; a reload resolves again.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace modelgate::h2 {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string key;  // the address's bytes: connections to equal keys are shared
};

struct ResolvedTarget {
  std::string target;     // as configured
  std::string authority;  // :authority of calls (the backend's, or the host:port part)
  std::vector<Endpoint> endpoints;
};

// Resolves `target`; `authority` overrides the derived :authority when not empty.
absl::StatusOr<ResolvedTarget> ResolveTarget(std::string_view target, std::string_view authority);

}  // namespace modelgate::h2
