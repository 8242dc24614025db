// Route compilation through the registry.
#include "strategies/compile.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/stable_hash.h"
#include "strategies/registry.h"

namespace modelgate::strategies {

uint64_t WeightEpoch(const config::Route& route) {
  std::vector<int64_t> weights;
  for (const config::RouteArm& a : route.arms) weights.push_back(a.weight);
  return modelgate::WeightEpoch(weights);
}

absl::StatusOr<std::unique_ptr<routing::RouteTable>> CompileRoutes(const config::Config& config,
                                                                   const HealthLookup& health) {
  std::vector<routing::CompiledRoute> routes;
  routes.reserve(config.routes.size());
  for (const config::Route& r : config.routes) {
    const StrategyDef* def = Find(r.strategy);
    if (def == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("route ", r.name, ": unknown strategy \"", r.strategy, "\""));
    }
    std::vector<std::shared_ptr<routing::BackendHealth>> arm_health;
    for (const config::RouteArm& a : r.arms) {
      std::shared_ptr<routing::BackendHealth> h = health ? health(a.backend) : nullptr;
      arm_health.push_back(h != nullptr ? h : std::make_shared<routing::BackendHealth>());
    }
    absl::StatusOr<CompiledStrategy> compiled = def->Compile(r, arm_health);
    if (!compiled.ok()) return compiled.status();
    routing::CompiledRoute route;
    route.name = r.name;
    route.service = r.match.service;
    route.method = r.match.method;
    route.headers = r.match.headers;
    route.strategy = std::move(compiled->strategy);
    route.shadow_max_inflight = compiled->shadow_max_inflight;
    route.shadow_timeout_seconds = compiled->shadow_timeout_seconds;
    route.arm_header = r.arm_header;
    route.timeout_seconds = r.timeout_seconds;
    route.weight_epoch = WeightEpoch(r);
    for (const config::RouteArm& a : r.arms) {
      int index = -1;
      for (size_t b = 0; b < config.backends.size(); ++b) {
        if (config.backends[b].name == a.backend) index = static_cast<int>(b);
      }
      if (index < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("route ", r.name, ": undefined backend \"", a.backend, "\""));
      }
      route.arms.push_back(routing::ArmSpec{a.name, a.backend, index, a.role,
                                            arm_health[route.arms.size()]});
    }
    routes.push_back(std::move(route));
  }
  return std::make_unique<routing::RouteTable>(std::move(routes));
}

}  // namespace modelgate::strategies
