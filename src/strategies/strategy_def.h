// One registration per strategy: everything modelgate needs to know about a strategy, in one
// object — how to read its config block (config::StrategyReader), how to compile a route into a
// routing strategy, and which monitor watches its routes. registry.cc lists them;
// adding a strategy is its own files plus one line there.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "config/strategy_reader.h"
#include "routing/backend_health.h"
#include "routing/strategy.h"

namespace prometheus {
class Registry;
}
namespace modelgate::monitor {
class RouteMonitor;
}

namespace modelgate::strategies {

struct CompiledStrategy {
  std::unique_ptr<routing::Strategy> strategy;
  // Bounds of each shadow arm's copies (strategies whose plans have shadows).
  int shadow_max_inflight = 100;
  double shadow_timeout_seconds = 5;
};

class StrategyDef : public config::StrategyReader {
 public:
  // The routing strategy of a loaded route (its arms carry the effective weights: the config's,
  // or the run-time state's).
  // `health`: the arms' backends' health, in arm order (never null).
  virtual absl::StatusOr<CompiledStrategy> Compile(
      const config::Route& route,
      const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const = 0;

  // The setting (a key path inside the route, e.g. "canary.on_candidate_error") that gives the
  // route's plans more than one leg, or "" when they have one: such routes need unary methods.
  virtual std::string MultiLegSetting(const config::Route& route) const { return ""; }


  // The monitor of a route with a monitor block. The default compares every arm with the
  // reference arm (monitor/route_monitor.h).
  virtual absl::StatusOr<std::shared_ptr<monitor::RouteMonitor>> MakeMonitor(
      const config::Route& route, int num_shards,
      std::shared_ptr<prometheus::Registry> registry) const;
};

}  // namespace modelgate::strategies
