// The shadow strategy's block, reader and compiler.
#include "strategies/shadow.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/route_parts.h"
#include "config/value_syntax.h"
#include "config/yaml_reader.h"
#include "routing/strategies/shadow.h"

namespace modelgate::strategies {
namespace {

constexpr int64_t kMaxQueue = 1'000'000;

void ReadNoise(const config::YamlNode& node, const std::string& path, config::Diagnostics& diag,
               shadow::ComparerSpec& out) {
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader noise(node, path, {"absolute_threshold", "relative_threshold", "min_samples"},
                          diag);
  config::ReadNumberInRange(noise, "absolute_threshold", 0, 1, diag, out.noise_absolute_threshold);
  config::ReadNumberInRange(noise, "relative_threshold", 0, 1000, diag, out.noise_relative_threshold);
  if (const config::YamlNode* n = noise.Find("min_samples")) {
    if (auto v = config::ReadInt(*n, noise.PathOf("min_samples"), diag, 1, 1'000'000'000)) {
      out.noise_min_samples = *v;
    }
  }
}

void ReadCompare(const config::YamlNode& node, const std::string& path, config::Diagnostics& diag,
                 shadow::ComparerSpec& out) {
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader compare(node, path,
                            {"payload", "absolute_tolerance", "relative_tolerance",
                             "argmax_outputs", "ignore_outputs", "queue_size", "noise"},
                            diag);
  if (const config::YamlNode* n = compare.Find("payload")) {
    if (auto s = config::ReadChoice(*n, compare.PathOf("payload"), {"bytes", "inference_v2"},
                                    diag)) {
      out.payload = *s == "inference_v2" ? shadow::PayloadKind::kInferenceV2
                                         : shadow::PayloadKind::kBytes;
    }
  }
  config::ReadNumberInRange(compare, "absolute_tolerance", 0, 1e300, diag, out.absolute_tolerance);
  config::ReadNumberInRange(compare, "relative_tolerance", 0, 1e300, diag, out.relative_tolerance);
  for (const char* key : {"argmax_outputs", "ignore_outputs"}) {
    const config::YamlEntry* e = compare.FindEntry(key);
    if (e == nullptr) continue;
    auto list = config::ReadDistinctStrings(e->value, compare.PathOf(key), diag, nullptr);
    if (out.payload != shadow::PayloadKind::kInferenceV2) {
      diag.Add(e->key.pos, compare.PathOf(key), "only used with payload: inference_v2");
    }
    (std::string_view(key) == "argmax_outputs" ? out.argmax_outputs : out.ignore_outputs) =
        std::move(list);
  }
  if (const config::YamlNode* n = compare.Find("queue_size")) {
    if (auto v = config::ReadInt(*n, compare.PathOf("queue_size"), diag, 1, kMaxQueue)) {
      out.queue_size = *v;
    }
  }
  if (const config::YamlNode* n = compare.Find("noise")) {
    ReadNoise(*n, compare.PathOf("noise"), diag, out);
  }
}

void ReadDiffs(const config::YamlNode& node, const std::string& path, config::Diagnostics& diag,
               shadow::ComparerSpec& out) {
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader diffs(node, path, {"max_samples", "file", "file_max_bytes"}, diag);
  if (const config::YamlNode* n = diffs.Find("max_samples")) {
    if (auto v = config::ReadInt(*n, diffs.PathOf("max_samples"), diag, 0, 100'000)) {
      out.max_diff_samples = *v;
    }
  }
  if (const config::YamlNode* n = diffs.Find("file")) {
    if (auto s = config::ReadString(*n, diffs.PathOf("file"), diag)) {
      if (s->empty()) {
        diag.Add(n->pos, diffs.PathOf("file"), "must not be empty (leave the key out for none)");
      } else {
        out.diff_file = *s;
      }
    }
  }
  if (const config::YamlNode* n = diffs.Find("file_max_bytes")) {
    if (auto v = config::ReadByteSize(*n, diffs.PathOf("file_max_bytes"), diag, 4096,
                                      int64_t{1} << 40)) {
      out.diff_file_max_bytes = *v;
    }
  }
}

}  // namespace

std::string ShadowBlock::ExperimentKey() const {
  return absl::StrCat(sticky.size(), ":", sticky, ";", salt.size(), ":", salt, ";", sample_rate);
}

std::string ShadowBlock::DefinitionKey() const {
  return absl::StrCat(ExperimentKey(), ";", primary, ";", absl::StrJoin(shadows, ","), ";",
                      noise_reference, ";", max_inflight, ";", timeout_seconds, ";",
                      absl::StrJoin(methods, ","), ";", compare.Key());
}

nlohmann::json ShadowBlock::ToJson() const {
  const bool v2 = compare.payload == shadow::PayloadKind::kInferenceV2;
  nlohmann::json cmp = {{"payload", v2 ? "inference_v2" : "bytes"},
                        {"queue_size", compare.queue_size}};
  if (v2) {
    cmp["absolute_tolerance"] = compare.absolute_tolerance;
    cmp["relative_tolerance"] = compare.relative_tolerance;
    cmp["argmax_outputs"] = compare.argmax_outputs;
    cmp["ignore_outputs"] = compare.ignore_outputs;
  }
  cmp["noise"] = {{"absolute_threshold", compare.noise_absolute_threshold},
                  {"relative_threshold", compare.noise_relative_threshold},
                  {"min_samples", compare.noise_min_samples}};
  return {{"primary", primary},
          {"shadows", shadows},
          {"noise_reference",
           noise_reference.empty() ? nlohmann::json(nullptr) : nlohmann::json(noise_reference)},
          {"sample_rate", sample_rate},
          {"sticky_header", sticky},
          {"salt", salt},
          {"max_inflight", max_inflight},
          {"timeout_seconds", timeout_seconds},
          {"methods", methods},
          {"compare", cmp},
          {"diffs",
           {{"max_samples", compare.max_diff_samples},
            {"file", compare.diff_file.empty() ? nlohmann::json(nullptr)
                                               : nlohmann::json(compare.diff_file)},
            {"file_max_bytes", compare.diff_file_max_bytes}}}};
}

void ShadowDef::Read(const config::YamlNode& node, const std::string& path,
                     const config::RouteContext& ctx, config::Route& route) const {
  auto block = std::make_shared<ShadowBlock>();
  route.block = block;
  config::Diagnostics& diag = ctx.diag;
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader shadow(node, path,
                           {"primary", "shadows", "noise_reference", "sample_rate",
                            "sticky_header", "salt", "max_inflight", "timeout_seconds", "methods",
                            "compare", "diffs"},
                           diag);
  if (const config::YamlNode* n = shadow.Require("primary")) {
    if (auto b = config::ReadBackendRef(*n, shadow.PathOf("primary"), ctx)) block->primary = *b;
  }
  if (const config::YamlNode* n = shadow.Require("shadows")) {
    const std::string p = shadow.PathOf("shadows");
    if (config::ExpectList(*n, p, diag)) {
      if (n->items.empty()) diag.Add(n->pos, p, "must list at least one backend");
      for (size_t i = 0; i < n->items.size(); ++i) {
        const std::string ip = config::IndexPath(p, i);
        auto b = config::ReadBackendRef(n->items[i], ip, ctx);
        if (!b) continue;
        if (*b == block->primary) {
          diag.Add(n->items[i].pos, ip,
                   absl::StrCat("must differ from the primary (both are ", config::Quote(*b),
                                ")"));
        } else if (std::find(block->shadows.begin(), block->shadows.end(), *b) !=
                   block->shadows.end()) {
          diag.Add(n->items[i].pos, ip, absl::StrCat(config::Quote(*b), " is listed twice"));
        } else {
          block->shadows.push_back(*b);
        }
      }
    }
  }
  if (const config::YamlNode* n = shadow.Find("noise_reference")) {
    const std::string p = shadow.PathOf("noise_reference");
    if (auto b = config::ReadBackendRef(*n, p, ctx)) {
      if (*b == block->primary ||
          std::find(block->shadows.begin(), block->shadows.end(), *b) != block->shadows.end()) {
        diag.Add(n->pos, p,
                 absl::StrCat("must be another instance of the primary's model, not the primary "
                              "or a shadow (got ",
                              config::Quote(*b), ")"));
      } else {
        block->noise_reference = *b;
      }
    }
  }
  if (const config::YamlNode* n = shadow.Find("sample_rate")) {
    const std::string p = shadow.PathOf("sample_rate");
    if (auto v = config::ReadNumber(*n, p, diag, 0)) {
      if (*v <= 0 || *v > 1) {
        diag.Add(n->pos, p, absl::StrCat("must be in (0, 1] (got ", *v, ")"));
      } else {
        block->sample_rate = *v;
      }
    }
  }
  if (const config::YamlNode* n = shadow.Find("sticky_header")) {
    if (auto s = config::ReadStickyHeader(*n, shadow.PathOf("sticky_header"), diag)) {
      block->sticky = *s;
    }
  }
  if (const config::YamlNode* n = shadow.Find("salt")) {
    if (auto s = config::ReadString(*n, shadow.PathOf("salt"), diag)) block->salt = *s;
  }
  if (const config::YamlNode* n = shadow.Find("max_inflight")) {
    if (auto v = config::ReadInt(*n, shadow.PathOf("max_inflight"), diag, 1, 1'000'000)) {
      block->max_inflight = *v;
    }
  }
  if (const config::YamlNode* n = shadow.Find("timeout_seconds")) {
    const std::string p = shadow.PathOf("timeout_seconds");
    if (auto v = config::ReadNumber(*n, p, diag, 0)) {
      if (*v <= 0 || *v > 3600) {
        diag.Add(n->pos, p, absl::StrCat("must be in (0, 3600] (got ", *v, ")"));
      } else {
        block->timeout_seconds = *v;
      }
    }
  }
  if (const config::YamlNode* n = shadow.Find("methods")) {
    block->methods =
        config::ReadDistinctStrings(*n, shadow.PathOf("methods"), diag, &config::CheckMethodPattern);
  }
  if (const config::YamlNode* n = shadow.Find("compare")) {
    ReadCompare(*n, shadow.PathOf("compare"), diag, block->compare);
  }
  if (const config::YamlNode* n = shadow.Find("diffs")) {
    ReadDiffs(*n, shadow.PathOf("diffs"), diag, block->compare);
  }
  if (!block->primary.empty()) {
    route.arms.push_back({block->primary, block->primary, 0, ArmRole::kReference});
  }
  for (const std::string& s : block->shadows) {
    route.arms.push_back({s, s, 0, ArmRole::kShadow});
  }
  if (!block->noise_reference.empty()) {
    route.arms.push_back(
        {block->noise_reference, block->noise_reference, 0, ArmRole::kShadow});
  }
}

absl::StatusOr<CompiledStrategy> ShadowDef::Compile(
    const config::Route& route,
    const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const {
  const ShadowBlock& block = route.block_as<ShadowBlock>();
  if (route.arms.size() < 2 || health.size() != route.arms.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("route ", route.name, ": a shadow route has a primary and shadows"));
  }
  std::vector<int> copies;
  std::vector<std::shared_ptr<routing::BackendHealth>> copy_health;
  for (size_t i = 1; i < route.arms.size(); ++i) {
    copies.push_back(static_cast<int>(i));
    copy_health.push_back(health[i]);
  }
  routing::ShadowStrategy::Options options{route.name, block.sample_rate, block.sticky,
                                           block.salt, block.methods};
  CompiledStrategy compiled{std::make_unique<routing::ShadowStrategy>(
                                std::move(options), std::move(copies), std::move(copy_health))};
  compiled.shadow_max_inflight = static_cast<int>(block.max_inflight);
  compiled.shadow_timeout_seconds = block.timeout_seconds;
  return compiled;
}

shadow::ComparerSpec ShadowComparerSpec(const config::Route& route) {
  shadow::ComparerSpec spec = route.block_as<ShadowBlock>().compare;
  spec.route = route.name;
  spec.arm_names.clear();
  spec.shadows.clear();
  for (const config::RouteArm& a : route.arms) spec.arm_names.push_back(a.name);
  const bool has_noise = !route.block_as<ShadowBlock>().noise_reference.empty();
  const int n = static_cast<int>(route.arms.size());
  spec.primary = 0;
  for (int i = 1; i < n - (has_noise ? 1 : 0); ++i) spec.shadows.push_back(i);
  spec.noise_reference = has_noise ? n - 1 : -1;
  return spec;
}

}  // namespace modelgate::strategies
