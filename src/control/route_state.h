// What a controller owns of a route at run time, outside the config: the arms' weights it set
// (a canary's step), and its own bookkeeping (step, state, counters), persisted as JSON. The
// config stays the user's; the snapshot publisher combines the two. A route's state belongs to
// one definition of the route (its strategy block and arms, with their backends' identities): a
// reload that changes that definition starts the route afresh, any other reload keeps it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "nlohmann/json.hpp"

namespace modelgate::control {

struct RouteState {
  std::string definition;        // RouteDefinition() of the route the state belongs to
  std::vector<int64_t> weights;  // run-time weights in arm order; empty: the config's
  nlohmann::json controller = nlohmann::json::object();  // the route's controller's own data

  nlohmann::json ToJson() const;
  // InvalidArgument naming what is wrong.
  static absl::StatusOr<RouteState> FromJson(const nlohmann::json& j);
};

using RouteStates = std::map<std::string, RouteState>;  // by route name

// The route's definition: strategy, block (StrategyBlock::DefinitionKey), arms (name, backend,
// role, configured weight) and the arms' backends' addresses and authorities.
std::string RouteDefinition(const config::Route& route,
                            const std::vector<config::Backend>& backends);

// `config` with each route's arm weights replaced by its state's, where the state belongs to the
// route's current definition and has one weight per arm.
config::Config ApplyRouteStates(config::Config config, const RouteStates& states);

}  // namespace modelgate::control
