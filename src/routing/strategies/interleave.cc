// Interleave plans; see interleave.h.
#include "routing/strategies/interleave.h"

#include "common/stable_hash.h"

namespace modelgate::routing {

InterleaveStrategy::InterleaveStrategy(Options options,
                                       std::vector<std::shared_ptr<BackendHealth>> health)
    : options_(std::move(options)), health_(std::move(health)) {}

RoutePlan InterleaveStrategy::Plan(const RequestInfo& request, SplitMix64& /*rng*/) const {
  RoutePlan plan;
  if (!options_.sticky_header.empty() && request.headers != nullptr) {
    if (auto key = request.headers->Get(options_.sticky_header)) {
      plan.keyed = true;
      plan.key_hash = StableKeyHash(options_.salt, options_.route_name, *key);
    }
  }
  int first_healthy = -1;
  for (size_t i = 0; i < health_.size(); ++i) {
    if (health_[i] != nullptr && !health_[i]->healthy()) continue;
    if (first_healthy < 0) first_healthy = static_cast<int>(i);
    plan.merge.push_back(static_cast<int>(i));
  }
  // Nobody healthy: try the first ranker anyway (its failure is the honest answer).
  plan.primary = first_healthy < 0 ? 0 : first_healthy;
  if (plan.merge.size() < 2) {
    if (first_healthy > 0) plan.diverted_from = 0;
    plan.merge.clear();
  }
  return plan;
}

}  // namespace modelgate::routing
