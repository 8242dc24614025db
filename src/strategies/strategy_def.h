// One registration per strategy: everything modelgate needs to know about a strategy, in one
// object — how to read its config block (config::StrategyReader), how to compile a route into a
// routing strategy (and merger), and which monitor watches its routes. registry.cc lists them;
// adding a strategy is its own files plus one line there.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "config/strategy_reader.h"
#include "routing/merger.h"
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
  std::shared_ptr<const routing::Merger> merger;  // for strategies whose plans merge legs
};

class StrategyDef : public config::StrategyReader {
 public:
  // The routing strategy of a loaded route (its arms carry the effective weights: the config's,
  // or the run-time state's).
  virtual absl::StatusOr<CompiledStrategy> Compile(const config::Route& route) const = 0;

  // The monitor of a route with a monitor block. The default compares every arm with the
  // reference arm (monitor/route_monitor.h).
  virtual absl::StatusOr<std::shared_ptr<monitor::RouteMonitor>> MakeMonitor(
      const config::Route& route, int num_shards,
      std::shared_ptr<prometheus::Registry> registry) const;
};

}  // namespace modelgate::strategies
