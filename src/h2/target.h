// A backend's gRPC target URI resolved to socket addresses for the frame-level data plane:
// host:port, dns:[//server/]host:port, ipv4:addr:port[,...], ipv6:[addr]:port[,...], unix:path,
// unix-abstract:name. Resolution blocks (getaddrinfo), so it runs off the event loops: when a
// snapshot is built, and for DNS names again every proxy.dns_refresh_seconds
// (proxy/backend_resolution.h).
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace modelgate::h2 {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  // The address's bytes (prefixed with the target's settings_key once those are set):
  // connections to equal keys are shared.
  std::string key;
};

struct ResolvedTarget {
  std::string target;     // as configured
  std::string authority;  // :authority of calls (the backend's, or the host:port part)
  std::vector<Endpoint> endpoints;
  // How connections to it are made and used (backends[].lb_policy and .upstream).
  bool pick_first = false;         // every call to the first address that works, not in turn
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration retry_after = absl::Seconds(1);  // a failed address is skipped this long
  // Connections are shared only between targets configured alike: a changed setting (on a
  // reload) makes new connections, as gRPC's channels did.
  std::string settings_key;
  // Resolved through DNS (a name, not literal addresses or a socket path): worth resolving
  // again from time to time (proxy.dns_refresh_seconds).
  bool dns = false;
};

// Resolves `target`; `authority` overrides the derived :authority when not empty.
absl::StatusOr<ResolvedTarget> ResolveTarget(std::string_view target, std::string_view authority);

}  // namespace modelgate::h2
