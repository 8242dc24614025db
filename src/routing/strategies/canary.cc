// The canary cohort; see canary.h.
#include "routing/strategies/canary.h"

#include <algorithm>

#include "common/stable_hash.h"

namespace modelgate::routing {

CanaryStrategy::CanaryStrategy(std::string route_name, int64_t candidate_share,
                               std::string sticky_header, std::string salt,
                               uint32_t fallback_codes,
                               std::shared_ptr<BackendHealth> candidate_health)
    : route_name_(std::move(route_name)),
      // kBuckets is 10000: a basis point is exactly one bucket.
      threshold_(static_cast<uint32_t>(std::clamp<int64_t>(candidate_share, 0, kBuckets))),
      sticky_header_(std::move(sticky_header)),
      salt_(std::move(salt)),
      fallback_codes_(fallback_codes),
      candidate_health_(std::move(candidate_health)) {}

RoutePlan CanaryStrategy::Plan(const RequestInfo& request, SplitMix64& rng) const {
  RoutePlan plan;
  uint32_t bucket = 0;
  bool keyed = false;
  if (!sticky_header_.empty() && request.headers != nullptr) {
    if (auto key = request.headers->Get(sticky_header_); key.has_value()) {
      plan.keyed = keyed = true;
      plan.key_hash = StableKeyHash(salt_, route_name_, *key);
      bucket = BucketOf(plan.key_hash);
    }
  }
  if (!keyed) bucket = static_cast<uint32_t>(rng.Below(kBuckets));
  if (!InCohort(bucket)) {
    plan.primary = kLegacy;
    return plan;
  }
  if (candidate_health_ != nullptr && !candidate_health_->healthy()) {
    plan.primary = kLegacy;
    plan.diverted_from = kCandidate;
    return plan;
  }
  plan.primary = kCandidate;
  if (fallback_codes_ != 0) {
    plan.fallbacks.push_back(kLegacy);
    plan.fallback_codes = fallback_codes_;
  }
  return plan;
}

}  // namespace modelgate::routing
