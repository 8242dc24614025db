// A backend's addresses for the data plane, and how they stay current. They are resolved when a
// snapshot is built and, for DNS names, again every proxy.dns_refresh_seconds: the pods behind
// a headless Service come and go, and nothing else would notice (the gRPC channels of the old
// data plane re-resolved on their own). The event loops read the current Resolution on every
// call with one atomic load; a refresh swaps in a new one only when the addresses changed, and
// keeps the last good addresses while a name does not resolve (as gRPC does).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "h2/target.h"

namespace modelgate::proxy {

struct Resolution {
  std::shared_ptr<const h2::ResolvedTarget> target;  // null while the name does not resolve
  std::string error;                                 // why, when target is null
};

using Resolver = std::function<absl::StatusOr<h2::ResolvedTarget>(std::string_view target,
                                                                  std::string_view authority)>;

// Resolves backend `b` and applies its connection settings (lb_policy, upstream.*), which also
// prefix every endpoint's key so that connections are shared only between alike backends.
std::shared_ptr<const Resolution> ResolveBackend(const config::Backend& b,
                                                 const Resolver& resolve = h2::ResolveTarget);

enum class RefreshResult {
  kNotDns,     // literal addresses or a socket path: nothing to refresh
  kUnchanged,  // the same addresses, in the same order
  kChanged,    // new addresses swapped in
  kFailed,     // the name did not resolve: the addresses in use stay
};

// Resolves `b` again and swaps the result into `current` if its addresses differ.
RefreshResult RefreshBackend(const config::Backend& b,
                             std::atomic<std::shared_ptr<const Resolution>>& current,
                             std::string* error, const Resolver& resolve = h2::ResolveTarget);

}  // namespace modelgate::proxy
