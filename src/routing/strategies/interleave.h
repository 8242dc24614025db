// `interleave`: every unary call is sent to all the route's rankers in parallel (a merge plan);
// the route's merger builds one answer from their ranked lists (src/interleave). A ranker whose
// backend is unhealthy is left out; with fewer than two healthy rankers the call goes to the
// first healthy one alone (the user gets its list unmixed, nothing is counted as an
// impression). With a sticky header the plan carries the user's key hash, which the merger uses
// as the statistical unit of the user's impressions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "routing/backend_health.h"
#include "routing/strategy.h"

namespace modelgate::routing {

class InterleaveStrategy final : public Strategy {
 public:
  struct Options {
    std::string route_name;
    std::string sticky_header;  // "" = every impression is its own unit
    std::string salt;
  };
  // `health`: every arm's (ranker's) backend health, in arm order.
  InterleaveStrategy(Options options, std::vector<std::shared_ptr<BackendHealth>> health);

  RoutePlan Plan(const RequestInfo& request, SplitMix64& rng) const override;
  std::string_view kind() const override { return "interleave"; }

 private:
  Options options_;
  std::vector<std::shared_ptr<BackendHealth>> health_;
};

}  // namespace modelgate::routing
