// Shadow sampling and method selection; see shadow.h.
#include "routing/strategies/shadow.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "common/stable_hash.h"

namespace modelgate::routing {

ShadowStrategy::ShadowStrategy(Options options, std::vector<int> copies,
                               std::vector<std::shared_ptr<BackendHealth>> copy_health)
    : options_(std::move(options)),
      // A positive rate samples at least one bucket: a tiny rate must not silently mean none.
      threshold_(static_cast<uint32_t>(std::clamp<int64_t>(
          std::max<int64_t>(1, std::llround(options_.sample_rate * kBuckets)), 0, kBuckets))),
      copies_(std::move(copies)),
      copy_health_(std::move(copy_health)) {
  for (const std::string& m : options_.methods) {
    if (absl::EndsWith(m, "/*")) {
      services_.insert(m.substr(0, m.size() - 1));  // keep the trailing '/'
    } else {
      exact_.insert(m);
    }
  }
}

bool ShadowStrategy::Mirrors(std::string_view method_path) const {
  if (exact_.empty() && services_.empty()) return true;
  // absl::string_view: Debian's Abseil is not built with std::string_view as its string_view.
  const absl::string_view path(method_path.data(), method_path.size());
  if (exact_.contains(path)) return true;
  const size_t slash = path.rfind('/');
  return slash != absl::string_view::npos && slash > 0 &&
         services_.contains(path.substr(0, slash + 1));
}

RoutePlan ShadowStrategy::Plan(const RequestInfo& request, SplitMix64& rng) const {
  RoutePlan plan;
  plan.primary = kPrimary;
  bool sampled;
  std::optional<std::string_view> key;
  if (!options_.sticky_header.empty() && request.headers != nullptr) {
    key = request.headers->Get(options_.sticky_header);
  }
  if (key.has_value()) {
    plan.keyed = true;
    plan.key_hash = StableKeyHash(options_.salt, options_.route_name, *key);
    sampled = BucketOf(plan.key_hash) < threshold_;
  } else {
    sampled = options_.sample_rate >= 1 || rng.Uniform() < options_.sample_rate;
  }
  if (!sampled || !Mirrors(request.method_path)) return plan;
  for (size_t i = 0; i < copies_.size(); ++i) {
    if (copy_health_[i] != nullptr && !copy_health_[i]->healthy()) continue;
    plan.shadows.push_back(copies_[i]);
  }
  return plan;
}

}  // namespace modelgate::routing
