// The ab strategy's block, reader and compiler.
#include "strategies/ab.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/route_parts.h"
#include "config/yaml_reader.h"
#include "routing/strategies/ab.h"

namespace modelgate::strategies {

std::string AbBlock::ExperimentKey() const {
  return absl::StrCat(sticky.size(), ":", sticky, ";", salt.size(), ":", salt);
}

std::string AbBlock::DefinitionKey() const {
  return absl::StrCat(ExperimentKey(), ";", absl::StrJoin(weights, ","));
}

nlohmann::json AbBlock::ToJson() const {
  return {{"sticky_header", sticky}, {"salt", salt}};
}

void AbDef::Read(const config::YamlNode& node, const std::string& path,
                 const config::RouteContext& ctx, config::Route& route) const {
  auto block = std::make_shared<AbBlock>();
  route.block = block;
  config::Diagnostics& diag = ctx.diag;
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader ab(node, path, {"arms", "sticky_header", "salt"}, diag);
  if (const config::YamlNode* n = ab.Require("arms")) {
    config::ReadWeightedArms(*n, ab.PathOf("arms"), ctx, ArmRole::kCandidate, route.arms);
    if (!route.arms.empty()) route.arms.front().role = ArmRole::kReference;
    for (const config::RouteArm& a : route.arms) block->weights.push_back(a.weight);
  }
  if (const config::YamlNode* n = ab.Find("sticky_header")) {
    if (auto s = config::ReadStickyHeader(*n, ab.PathOf("sticky_header"), diag)) block->sticky = *s;
  }
  if (const config::YamlNode* n = ab.Find("salt")) {
    if (auto s = config::ReadString(*n, ab.PathOf("salt"), diag)) block->salt = *s;
  }
}

absl::StatusOr<CompiledStrategy> AbDef::Compile(
    const config::Route& route,
    const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const {
  const AbBlock& block = route.block_as<AbBlock>();
  std::vector<int64_t> weights;
  for (const config::RouteArm& a : route.arms) weights.push_back(a.weight);
  int reference = 0;
  for (size_t i = 0; i < route.arms.size(); ++i) {
    if (route.arms[i].role == ArmRole::kReference) reference = static_cast<int>(i);
  }
  return CompiledStrategy{
      std::make_unique<routing::AbStrategy>(route.name, std::move(weights), block.sticky,
                                            block.salt, health, reference)};
}

}  // namespace modelgate::strategies
