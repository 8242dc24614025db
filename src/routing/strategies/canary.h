// `canary`: a stable cohort of users goes to the candidate. A user is in the cohort iff their
// stable bucket (common/stable_hash.h, as in A/B) is below the candidate's share of the
// buckets, so the ramp is monotone: a user in the canary at 5% is in it at 25%, on every
// replica and across restarts. Calls without the sticky key are assigned at random with the
// same share. Arm 0 is the legacy (reference), arm 1 the candidate. With fallback on, a call to
// the candidate that ends with a fallback code is sent on to the legacy (plan.h). While the
// candidate's backend is unhealthy its cohort goes to the legacy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "routing/backend_health.h"
#include "routing/strategy.h"

namespace modelgate::routing {

class CanaryStrategy final : public Strategy {
 public:
  // `candidate_share`: the candidate's part of the traffic in basis points (0..10000).
  // `fallback_codes`: bit c set = status c falls back to the legacy (0: no fallback).
  CanaryStrategy(std::string route_name, int64_t candidate_share, std::string sticky_header,
                 std::string salt, uint32_t fallback_codes,
                 std::shared_ptr<BackendHealth> candidate_health);

  RoutePlan Plan(const RequestInfo& request, SplitMix64& rng) const override;
  std::string_view kind() const override { return "canary"; }

  // Whether a user's bucket is in the cohort at this share.
  bool InCohort(uint32_t bucket) const { return bucket < threshold_; }

  static constexpr int kLegacy = 0;
  static constexpr int kCandidate = 1;

 private:
  std::string route_name_;
  uint32_t threshold_;  // buckets below it are the cohort
  std::string sticky_header_;
  std::string salt_;
  uint32_t fallback_codes_;
  std::shared_ptr<BackendHealth> candidate_health_;
};

}  // namespace modelgate::routing
