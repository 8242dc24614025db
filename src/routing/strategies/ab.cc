// Weighted A/B assignment; see ab.h for the bucket-to-arm mapping.
#include "routing/strategies/ab.h"

#include "common/stable_hash.h"

namespace modelgate::routing {

AbStrategy::AbStrategy(std::string route_name, std::vector<int64_t> weights,
                       std::string sticky_header, std::string salt,
                       std::vector<std::shared_ptr<BackendHealth>> health, int reference)
    : route_name_(std::move(route_name)),
      total_(0),
      sticky_header_(std::move(sticky_header)),
      salt_(std::move(salt)),
      health_(std::move(health)),
      reference_(reference) {
  cumulative_.reserve(weights.size());
  for (int64_t w : weights) {
    total_ += static_cast<uint64_t>(w < 0 ? 0 : w);
    cumulative_.push_back(total_);
  }
}

int AbStrategy::ArmForBucket(uint32_t bucket) const {
  const unsigned __int128 scaled = static_cast<unsigned __int128>(bucket) * total_;
  for (size_t i = 0; i < cumulative_.size(); ++i) {
    if (scaled < static_cast<unsigned __int128>(cumulative_[i]) * kBuckets) return static_cast<int>(i);
  }
  return static_cast<int>(cumulative_.size()) - 1;
}

int AbStrategy::ArmForKey(std::string_view key) const {
  return ArmForBucket(StableBucket(salt_, route_name_, key));
}

RoutePlan AbStrategy::Plan(const RequestInfo& request, SplitMix64& rng) const {
  RoutePlan plan;
  plan.primary = static_cast<int>(cumulative_.size()) - 1;
  if (!sticky_header_.empty() && request.headers != nullptr) {
    if (auto key = request.headers->Get(sticky_header_); key.has_value()) {
      plan.keyed = true;
      plan.key_hash = StableKeyHash(salt_, route_name_, *key);
      plan.primary = ArmForBucket(BucketOf(plan.key_hash));
    }
  }
  if (!plan.keyed) {
    const uint64_t r = rng.Below(total_);
    for (size_t i = 0; i < cumulative_.size(); ++i) {
      if (r < cumulative_[i]) {
        plan.primary = static_cast<int>(i);
        break;
      }
    }
  }
  // A dead candidate must fail nobody: its share goes to the reference arm while it is down.
  if (plan.primary != reference_ && !health_.empty() &&
      !health_[static_cast<size_t>(plan.primary)]->healthy()) {
    plan.diverted_from = plan.primary;
    plan.primary = reference_;
  }
  return plan;
}

}  // namespace modelgate::routing
