// The forward strategy's block, reader and compiler.
#include "strategies/forward.h"

#include "absl/strings/str_cat.h"
#include "config/route_parts.h"
#include "config/yaml_reader.h"
#include "routing/strategies/forward.h"

namespace modelgate::strategies {

std::string ForwardBlock::DefinitionKey() const {
  return absl::StrCat(backend.size(), ":", backend);
}

void ForwardDef::Read(const config::YamlNode& node, const std::string& path,
                      const config::RouteContext& ctx, config::Route& route) const {
  auto block = std::make_shared<ForwardBlock>();
  route.block = block;
  if (!config::ExpectMap(node, path, ctx.diag)) return;
  config::MapReader forward(node, path, {"backend"}, ctx.diag);
  if (const config::YamlNode* n = forward.Require("backend")) {
    if (auto b = config::ReadBackendRef(*n, forward.PathOf("backend"), ctx)) {
      block->backend = *b;
      route.arms.push_back({*b, *b, 1, ArmRole::kReference});
    }
  }
}

absl::StatusOr<CompiledStrategy> ForwardDef::Compile(
    const config::Route&, const std::vector<std::shared_ptr<routing::BackendHealth>>&) const {
  return CompiledStrategy{std::make_unique<routing::ForwardStrategy>()};
}

}  // namespace modelgate::strategies
