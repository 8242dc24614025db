// `shadow`: every call is answered by the primary (arm 0); a sampled share of the unary calls is
// also copied to each shadow arm (and to the noise reference, when there is one), whose answers
// never reach the client. Sampling is per call at random, or, with a sticky header, by the
// user's stable bucket (the same users are mirrored on every replica, so a shadow sees whole
// sessions). A shadow whose backend is unhealthy is not sent copies (they would only fail), and
// methods outside the configured list are never mirrored.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "routing/backend_health.h"
#include "routing/strategy.h"

namespace modelgate::routing {

class ShadowStrategy final : public Strategy {
 public:
  struct Options {
    std::string route_name;
    double sample_rate = 1;      // (0, 1]
    std::string sticky_header;  // "" = sample each call at random
    std::string salt;
    // "/pkg.Svc/Method" or "/pkg.Svc/*"; empty = every method of the route (the proxy runs
    // multi-leg plans on unary methods only: streaming calls go to the primary alone).
    std::vector<std::string> methods;
  };
  // `copies`: the arms sent a copy (shadows, then the noise reference), with their health.
  ShadowStrategy(Options options, std::vector<int> copies,
                 std::vector<std::shared_ptr<BackendHealth>> copy_health);

  RoutePlan Plan(const RequestInfo& request, SplitMix64& rng) const override;
  std::string_view kind() const override { return "shadow"; }

  bool Mirrors(std::string_view method_path) const;

  static constexpr int kPrimary = 0;

 private:
  Options options_;
  uint32_t threshold_;  // buckets below it are sampled
  absl::flat_hash_set<std::string> exact_;
  absl::flat_hash_set<std::string> services_;  // "/pkg.Svc/" prefixes
  std::vector<int> copies_;
  std::vector<std::shared_ptr<BackendHealth>> copy_health_;
};

}  // namespace modelgate::routing
