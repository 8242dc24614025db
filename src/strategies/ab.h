// `ab`: split traffic across arms by weight, sticky per user key.
//   ab:
//     arms: [{backend: legacy, weight: 90}, {backend: candidate, weight: 10, name: cand-v2}]
//     sticky_header: x-user-id     # optional: same key -> same arm, on every replica
//     salt: predict-2026-11        # optional: reshuffles users for a new experiment
// The first arm is the reference (unless monitor.reference_arm names another), the others are
// candidates.
#pragma once

#include "strategies/strategy_def.h"

namespace modelgate::strategies {

struct AbBlock final : config::StrategyBlock {
  std::string sticky;  // "" = no stickiness (random per call)
  std::string salt = "modelgate";
  std::vector<int64_t> weights;  // as configured, in arm order (the route's arms may be overridden)
  std::string ExperimentKey() const override;
  std::string DefinitionKey() const override;
  std::string sticky_header() const override { return sticky; }
  nlohmann::json ToJson() const override;
};

class AbDef final : public StrategyDef {
 public:
  absl::string_view name() const override { return "ab"; }
  bool monitorable() const override { return true; }
  void Read(const config::YamlNode& node, const std::string& path,
            const config::RouteContext& ctx, config::Route& route) const override;
  absl::StatusOr<CompiledStrategy> Compile(
      const config::Route& route,
      const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const override;
};

}  // namespace modelgate::strategies
