// The default monitor of a strategy: the route's arms compared with its reference arm.
#include "strategies/strategy_def.h"

#include <vector>

#include "monitor/route_monitor.h"

namespace modelgate::strategies {

absl::StatusOr<std::shared_ptr<monitor::RouteMonitor>> StrategyDef::MakeMonitor(
    const config::Route& route, int num_shards,
    std::shared_ptr<prometheus::Registry> registry) const {
  std::vector<monitor::ArmInfo> arms;
  for (const config::RouteArm& a : route.arms) arms.push_back({a.name, a.weight});
  return monitor::RouteMonitor::Create(route.name, std::move(arms), route.monitor, num_shards,
                                       std::move(registry));
}

}  // namespace modelgate::strategies
