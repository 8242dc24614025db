// Route state serialisation, route definitions, and applying states to a config.
#include "control/route_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace modelgate::control {

nlohmann::json RouteState::ToJson() const {
  return {{"definition", definition}, {"weights", weights}, {"controller", controller}};
}

absl::StatusOr<RouteState> RouteState::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("route state: not a JSON object");
  RouteState s;
  const auto definition = j.find("definition");
  if (definition == j.end() || !definition->is_string()) {
    return absl::InvalidArgumentError("route state: \"definition\" must be a string");
  }
  s.definition = definition->get<std::string>();
  if (const auto w = j.find("weights"); w != j.end()) {
    if (!w->is_array()) return absl::InvalidArgumentError("route state: \"weights\" must be a list");
    for (const auto& v : *w) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0) {
        return absl::InvalidArgumentError(
            "route state: \"weights\" must be non-negative integers");
      }
      s.weights.push_back(v.get<int64_t>());
    }
  }
  if (const auto c = j.find("controller"); c != j.end()) {
    if (!c->is_object()) {
      return absl::InvalidArgumentError("route state: \"controller\" must be an object");
    }
    s.controller = *c;
  }
  return s;
}

std::string RouteDefinition(const config::Route& route,
                            const std::vector<config::Backend>& backends) {
  std::string out = absl::StrCat(route.strategy, "|",
                                 route.block != nullptr ? route.block->DefinitionKey() : "");
  for (const config::RouteArm& a : route.arms) {
    absl::StrAppend(&out, "|", a.name.size(), ":", a.name, ",", a.backend.size(), ":", a.backend,
                    ",", static_cast<int>(a.role), ",", a.weight);
    auto b = std::find_if(backends.begin(), backends.end(),
                          [&](const config::Backend& x) { return x.name == a.backend; });
    if (b != backends.end()) {
      absl::StrAppend(&out, ",", b->address.size(), ":", b->address, ",", b->authority.size(),
                      ":", b->authority);
    }
  }
  return out;
}

config::Config ApplyRouteStates(config::Config config, const RouteStates& states) {
  for (config::Route& route : config.routes) {
    auto it = states.find(route.name);
    if (it == states.end() || it->second.weights.empty()) continue;
    const RouteState& state = it->second;
    if (state.weights.size() != route.arms.size() ||
        state.definition != RouteDefinition(route, config.backends)) {
      continue;
    }
    for (size_t i = 0; i < route.arms.size(); ++i) route.arms[i].weight = state.weights[i];
  }
  return config;
}

}  // namespace modelgate::control
