// The interleave strategy's block, reader and compiler.
#include "strategies/interleave.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/route_parts.h"
#include "config/yaml_reader.h"
#include "routing/strategies/interleave.h"

namespace modelgate::strategies {
namespace {

void ReadRankers(const config::YamlNode& node, const std::string& path,
                 const config::RouteContext& ctx, std::vector<std::string>& out) {
  if (!config::ExpectList(node, path, ctx.diag)) return;
  if (node.items.size() < 2) {
    ctx.diag.Add(node.pos, path,
                 absl::StrCat("must list at least two backends to compare (got ",
                              node.items.size(), ")"));
  }
  if (node.items.size() > 32) {
    ctx.diag.Add(node.pos, path, "must list at most 32 rankers");
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    const std::string p = config::IndexPath(path, i);
    auto b = config::ReadBackendRef(node.items[i], p, ctx);
    if (!b) continue;
    if (std::find(out.begin(), out.end(), *b) != out.end()) {
      ctx.diag.Add(node.items[i].pos, p, absl::StrCat(config::Quote(*b), " is listed twice"));
      continue;
    }
    out.push_back(*b);
  }
}

void ReadList(const config::YamlNode& node, const std::string& path, config::Diagnostics& diag,
              InterleaveBlock& block) {
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader list(node, path, {"payload", "items_tensor", "aligned_tensors"}, diag);
  if (const config::YamlNode* n = list.Require("payload")) {
    if (auto s = config::ReadChoice(*n, list.PathOf("payload"), {"inference_v2", "recommend"},
                                    diag)) {
      block.payload = *s;
    }
  }
  const config::YamlEntry* items = list.FindEntry("items_tensor");
  const config::YamlEntry* aligned = list.FindEntry("aligned_tensors");
  if (block.payload == "recommend") {
    for (const config::YamlEntry* e : {items, aligned}) {
      if (e != nullptr) {
        diag.Add(e->key.pos, list.PathOf(e->key.scalar),
                 "only used with payload: inference_v2 (the recommender's items are its list)");
      }
    }
    return;
  }
  if (items == nullptr) {
    diag.Add(list.pos(), list.PathOf("items_tensor"),
             "required with payload: inference_v2 (the output tensor holding the item ids)");
  } else if (auto s = config::ReadString(items->value, list.PathOf("items_tensor"), diag)) {
    if (s->empty()) {
      diag.Add(items->value.pos, list.PathOf("items_tensor"), "must not be empty");
    } else {
      block.items_tensor = *s;
    }
  }
  if (aligned != nullptr) {
    block.aligned_tensors =
        config::ReadDistinctStrings(aligned->value, list.PathOf("aligned_tensors"), diag, nullptr);
    for (size_t i = 0; i < block.aligned_tensors.size(); ++i) {
      if (!block.items_tensor.empty() && block.aligned_tensors[i] == block.items_tensor) {
        diag.Add(aligned->value.pos, list.PathOf("aligned_tensors"),
                 absl::StrCat(config::Quote(block.items_tensor),
                              " is the items tensor itself; list only its companions"));
      }
    }
  }
}

void ReadStatistics(const config::YamlNode& node, const std::string& path,
                    config::Diagnostics& diag, InterleaveBlock& block) {
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader stats(node, path, {"alpha", "tau", "burn_in"}, diag);
  if (const config::YamlNode* n = stats.Find("alpha")) {
    const std::string p = stats.PathOf("alpha");
    if (auto v = config::ReadNumber(*n, p, diag, 0)) {
      if (*v <= 0 || *v >= 0.5) {
        diag.Add(n->pos, p, absl::StrCat("must be in (0, 0.5) (got ", *v, ")"));
      } else {
        block.alpha = *v;
      }
    }
  }
  if (const config::YamlNode* n = stats.Find("tau")) {
    const std::string p = stats.PathOf("tau");
    if (auto v = config::ReadNumber(*n, p, diag, 0)) {
      if (*v <= 0 || *v > 0.5) {
        diag.Add(n->pos, p,
                 absl::StrCat("must be in (0, 0.5]: the scale of preference effects (got ", *v,
                              ")"));
      } else {
        block.tau = *v;
      }
    }
  }
  if (const config::YamlNode* n = stats.Find("burn_in")) {
    if (auto v = config::ReadInt(*n, stats.PathOf("burn_in"), diag, 1, 1'000'000'000)) {
      block.burn_in = *v;
    }
  }
}

}  // namespace

std::string InterleaveBlock::ExperimentKey() const {
  return absl::StrCat(sticky.size(), ":", sticky, ";", salt.size(), ":", salt, ";",
                      absl::StrJoin(rankers, ","), ";", payload, ";", items_tensor, ";",
                      absl::StrJoin(aligned_tensors, ","), ";", page_size);
}

std::string InterleaveBlock::DefinitionKey() const {
  return absl::StrCat(ExperimentKey(), ";", impression_ttl_seconds, ";", max_impressions, ";",
                      alpha, ";", tau, ";", burn_in);
}

nlohmann::json InterleaveBlock::ToJson() const {
  nlohmann::json list = {{"payload", payload}};
  if (payload == "inference_v2") {
    list["items_tensor"] = items_tensor;
    list["aligned_tensors"] = aligned_tensors;
  }
  return {{"rankers", rankers},
          {"method", "team_draft"},
          {"list", list},
          {"page_size", page_size},
          {"impression_ttl_seconds", impression_ttl_seconds},
          {"max_impressions", max_impressions},
          {"sticky_header", sticky},
          {"salt", salt},
          {"statistics", {{"alpha", alpha}, {"tau", tau}, {"burn_in", burn_in}}}};
}

void InterleaveDef::Read(const config::YamlNode& node, const std::string& path,
                         const config::RouteContext& ctx, config::Route& route) const {
  auto block = std::make_shared<InterleaveBlock>();
  route.block = block;
  config::Diagnostics& diag = ctx.diag;
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader il(node, path,
                       {"rankers", "method", "list", "page_size", "impression_ttl_seconds",
                        "max_impressions", "sticky_header", "salt", "statistics"},
                       diag);
  if (const config::YamlNode* n = il.Require("rankers")) {
    ReadRankers(*n, il.PathOf("rankers"), ctx, block->rankers);
  }
  if (const config::YamlNode* n = il.Find("method")) {
    config::ReadChoice(*n, il.PathOf("method"), {"team_draft"}, diag);
  }
  if (const config::YamlNode* n = il.Require("list")) {
    ReadList(*n, il.PathOf("list"), diag, *block);
  }
  if (const config::YamlNode* n = il.Find("page_size")) {
    if (auto v = config::ReadInt(*n, il.PathOf("page_size"), diag, 1, 10'000)) {
      block->page_size = *v;
    }
  }
  if (const config::YamlNode* n = il.Find("impression_ttl_seconds")) {
    const std::string p = il.PathOf("impression_ttl_seconds");
    if (auto v = config::ReadNumber(*n, p, diag, 0)) {
      if (*v < 1 || *v > 7 * 86400) {
        diag.Add(n->pos, p, absl::StrCat("must be in [1, 604800] (got ", *v, ")"));
      } else {
        block->impression_ttl_seconds = *v;
      }
    }
  }
  if (const config::YamlNode* n = il.Find("max_impressions")) {
    if (auto v = config::ReadInt(*n, il.PathOf("max_impressions"), diag, 1, 100'000'000)) {
      block->max_impressions = *v;
    }
  }
  if (const config::YamlNode* n = il.Find("sticky_header")) {
    if (auto s = config::ReadStickyHeader(*n, il.PathOf("sticky_header"), diag)) {
      block->sticky = *s;
    }
  }
  if (const config::YamlNode* n = il.Find("salt")) {
    if (auto s = config::ReadString(*n, il.PathOf("salt"), diag)) block->salt = *s;
  }
  if (const config::YamlNode* n = il.Find("statistics")) {
    ReadStatistics(*n, il.PathOf("statistics"), diag, *block);
  }
  for (size_t i = 0; i < block->rankers.size(); ++i) {
    route.arms.push_back({block->rankers[i], block->rankers[i], 0,
                          i == 0 ? ArmRole::kReference : ArmRole::kCandidate});
  }
}

absl::StatusOr<CompiledStrategy> InterleaveDef::Compile(
    const config::Route& route,
    const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const {
  const InterleaveBlock& block = route.block_as<InterleaveBlock>();
  if (route.arms.size() < 2 || health.size() != route.arms.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("route ", route.name, ": an interleave route has two or more rankers"));
  }
  routing::InterleaveStrategy::Options options{route.name, block.sticky, block.salt};
  return CompiledStrategy{std::make_unique<routing::InterleaveStrategy>(std::move(options), health)};
}

interleave::InterleaveSpec InterleaveSpecOf(const config::Route& route) {
  const InterleaveBlock& block = route.block_as<InterleaveBlock>();
  interleave::InterleaveSpec spec;
  spec.route = route.name;
  for (const config::RouteArm& a : route.arms) spec.rankers.push_back(a.name);
  spec.payload = block.payload;
  spec.items_tensor = block.items_tensor;
  spec.aligned_tensors = block.aligned_tensors;
  spec.page_size = static_cast<int>(block.page_size);
  spec.impression_ttl_seconds = block.impression_ttl_seconds;
  spec.max_impressions = block.max_impressions;
  spec.sticky = !block.sticky.empty();
  spec.alpha = block.alpha;
  spec.tau = block.tau;
  spec.burn_in = block.burn_in;
  return spec;
}

}  // namespace modelgate::strategies
