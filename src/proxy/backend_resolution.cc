// Backend resolution and its refresh; see backend_resolution.h.
#include "proxy/backend_resolution.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace modelgate::proxy {
namespace {

bool SameAddresses(const h2::ResolvedTarget& a, const h2::ResolvedTarget& b) {
  if (a.endpoints.size() != b.endpoints.size()) return false;
  for (size_t i = 0; i < a.endpoints.size(); ++i) {
    if (a.endpoints[i].key != b.endpoints[i].key) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const Resolution> ResolveBackend(const config::Backend& b,
                                                 const Resolver& resolve) {
  auto out = std::make_shared<Resolution>();
  absl::StatusOr<h2::ResolvedTarget> resolved = resolve(b.address, b.authority);
  if (!resolved.ok()) {
    // Like a gRPC channel whose name does not resolve: calls fail UNAVAILABLE, the snapshot
    // stands (a backend that is down must not block a reload).
    out->error = std::string(resolved.status().message());
    return out;
  }
  resolved->pick_first = b.lb_policy == config::LbPolicy::kPickFirst;
  resolved->connect_timeout = absl::Seconds(b.upstream.connect_timeout_seconds);
  resolved->retry_after = absl::Seconds(b.upstream.reconnect_initial_seconds);
  resolved->settings_key =
      absl::StrCat(b.upstream.connect_timeout_seconds, "/", b.upstream.reconnect_initial_seconds,
                   "/", b.upstream.reconnect_max_seconds, "/", resolved->authority);
  for (h2::Endpoint& ep : resolved->endpoints) {
    ep.key = absl::StrCat(resolved->settings_key, "|", ep.key);
  }
  out->target = std::make_shared<const h2::ResolvedTarget>(*std::move(resolved));
  return out;
}

RefreshResult RefreshBackend(const config::Backend& b,
                             std::atomic<std::shared_ptr<const Resolution>>& current,
                             std::string* error, const Resolver& resolve) {
  const std::shared_ptr<const Resolution> now = current.load(std::memory_order_acquire);
  // A name that failed when the snapshot was built is retried too (it may exist by now).
  if (now->target != nullptr && !now->target->dns) return RefreshResult::kNotDns;
  std::shared_ptr<const Resolution> next = ResolveBackend(b, resolve);
  if (next->target == nullptr) {
    *error = next->error;
    return RefreshResult::kFailed;
  }
  if (now->target != nullptr && SameAddresses(*now->target, *next->target)) {
    return RefreshResult::kUnchanged;
  }
  current.store(std::move(next), std::memory_order_release);
  return RefreshResult::kChanged;
}

}  // namespace modelgate::proxy
