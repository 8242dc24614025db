// `forward`: no experiment; every call goes to the route's one backend.
//   forward: {backend: legacy}
#pragma once

#include "strategies/strategy_def.h"

namespace modelgate::strategies {

struct ForwardBlock final : config::StrategyBlock {
  std::string backend;
  std::string ExperimentKey() const override { return ""; }
  std::string DefinitionKey() const override;
  nlohmann::json ToJson() const override { return {{"backend", backend}}; }
};

class ForwardDef final : public StrategyDef {
 public:
  absl::string_view name() const override { return "forward"; }
  bool monitorable() const override { return false; }
  void Read(const config::YamlNode& node, const std::string& path,
            const config::RouteContext& ctx, config::Route& route) const override;
  absl::StatusOr<CompiledStrategy> Compile(
      const config::Route& route,
      const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const override;
};

}  // namespace modelgate::strategies
