// `ab`: split traffic across N arms by integer weight. With a sticky header the arm is a pure
// function of the key's stable bucket (identical on every replica and after restarts; see
// common/stable_hash.h); requests without the key get a per-request random arm with the same
// weights. Arm i owns buckets b with cum[i-1]*kBuckets <= b*total < cum[i]*kBuckets, so each
// arm's share of buckets is its weight share to within 1/kBuckets, and changing the weights of
// two arms only moves users across the boundary between them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "routing/backend_health.h"
#include "routing/strategy.h"

namespace modelgate::routing {

class AbStrategy final : public Strategy {
 public:
  // `weights` non-negative with a positive sum (the config loader guarantees it). `health`:
  // one per arm, or empty (every arm healthy); a call whose arm's backend is unhealthy goes to
  // `reference` instead (plan.diverted_from says so).
  AbStrategy(std::string route_name, std::vector<int64_t> weights, std::string sticky_header,
             std::string salt, std::vector<std::shared_ptr<BackendHealth>> health = {},
             int reference = 0);

  RoutePlan Plan(const RequestInfo& request, SplitMix64& rng) const override;
  std::string_view kind() const override { return "ab"; }

  // The arm a sticky key maps to (exposed for tests and the admin API).
  int ArmForKey(std::string_view key) const;
  int ArmForBucket(uint32_t bucket) const;

 private:
  std::string route_name_;
  std::vector<uint64_t> cumulative_;  // running sums of the weights
  uint64_t total_;
  std::string sticky_header_;
  std::string salt_;
  std::vector<std::shared_ptr<BackendHealth>> health_;
  int reference_;
};

}  // namespace modelgate::routing
