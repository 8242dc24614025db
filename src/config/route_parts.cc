// Shared pieces of strategy blocks: backend references, weighted arms, sticky headers.
#include "config/route_parts.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_codes.h"
#include "config/closest_match.h"
#include "config/value_syntax.h"
#include "config/yaml_reader.h"

namespace modelgate::config {
namespace {

// Weights are relative, so int32 is plenty; the cap keeps any sum of them far from overflow.
constexpr int64_t kMaxWeight = std::numeric_limits<int32_t>::max();

}  // namespace

std::string FirstAt(SourcePos pos) {
  return absl::StrCat("first at line ", pos.line, ", column ", pos.column);
}

std::optional<std::string> ReadBackendRef(const YamlNode& node, const std::string& path,
                                          const RouteContext& ctx) {
  auto name = ReadString(node, path, ctx.diag);
  if (!name || ctx.backends == nullptr) return name;
  std::vector<absl::string_view> defined;
  for (const Backend& b : *ctx.backends) {
    if (b.name == *name) return name;
    defined.push_back(b.name);
  }
  std::string message = absl::StrCat("undefined backend ", Quote(*name));
  if (auto guess = ClosestMatch(*name, defined)) {
    absl::StrAppend(&message, " (did you mean \"", *guess, "\"?)");
  } else {
    absl::StrAppend(&message, " (defined: ", absl::StrJoin(defined, ", "), ")");
  }
  ctx.diag.Add(node.pos, path, message);
  return std::nullopt;
}

void ReadWeightedArms(const YamlNode& node, const std::string& path, const RouteContext& ctx,
                      ArmRole role, std::vector<RouteArm>& out) {
  Diagnostics& diag = ctx.diag;
  if (!ExpectList(node, path, diag)) return;
  if (node.items.empty()) {
    diag.Add(node.pos, path, "must have at least one arm");
    return;
  }
  absl::flat_hash_map<std::string, SourcePos> first_seen;
  int64_t weight_sum = 0;
  bool all_weights_read = true;
  for (size_t i = 0; i < node.items.size(); ++i) {
    const YamlNode& item = node.items[i];
    const std::string arm_path = IndexPath(path, i);
    if (!ExpectMap(item, arm_path, diag)) {
      all_weights_read = false;
      continue;
    }
    MapReader arm_map(item, arm_path, {"backend", "weight", "name"}, diag);
    RouteArm arm;
    arm.role = role;
    if (const YamlNode* n = arm_map.Require("backend")) {
      if (auto b = ReadBackendRef(*n, arm_map.PathOf("backend"), ctx)) arm.backend = *b;
    }
    if (const YamlNode* n = arm_map.Require("weight")) {
      if (auto w = ReadInt(*n, arm_map.PathOf("weight"), diag, 0, kMaxWeight)) {
        arm.weight = *w;
        weight_sum += *w;
      } else {
        all_weights_read = false;
      }
    } else {
      all_weights_read = false;
    }
    // The arm name is a metrics label; it defaults to the backend, so two arms on one backend
    // need explicit names to stay distinguishable.
    const YamlNode* name_node = arm_map.Find("name");
    if (name_node != nullptr) {
      const std::string name_path = arm_map.PathOf("name");
      if (auto s = ReadString(*name_node, name_path, diag);
          s && diag.Check(CheckName(*s), name_node->pos, name_path)) {
        arm.name = *s;
      }
    } else {
      arm.name = arm.backend;
    }
    if (!arm.name.empty()) {
      const SourcePos pos = name_node != nullptr ? name_node->pos : item.pos;
      const auto [it, inserted] = first_seen.emplace(arm.name, pos);
      if (!inserted) {
        if (name_node != nullptr) {
          diag.Add(
              pos, arm_map.PathOf("name"),
              absl::StrCat("duplicate arm name ", Quote(arm.name), " (", FirstAt(it->second), ")"));
        } else {
          diag.Add(pos, arm_path,
                   absl::StrCat("duplicate arm name ", Quote(arm.name),
                                " (the name defaults to the backend; ", FirstAt(it->second),
                                "); give arms on the same backend distinct names"));
        }
      }
    }
    out.push_back(std::move(arm));
  }
  if (all_weights_read && weight_sum == 0) {
    diag.Add(node.pos, path, "weights sum to 0; at least one arm needs a positive weight");
  }
}

std::optional<std::string> ReadStickyHeader(const YamlNode& node, const std::string& path,
                                            Diagnostics& diag) {
  auto s = ReadString(node, path, diag);
  if (!s || !diag.Check(CheckMetadataKey(*s), node.pos, path)) return std::nullopt;
  if (absl::EndsWith(*s, "-bin")) {
    diag.Add(node.pos, path,
             absl::StrCat("must not end in \"-bin\": binary headers carry raw bytes, not a "
                          "user id (got ",
                          Quote(*s), ")"));
    return std::nullopt;
  }
  return s;
}

void ReadStatusCodes(const YamlNode& node, const std::string& path, Diagnostics& diag,
                    std::vector<int>& out) {
  if (!ExpectList(node, path, diag)) return;
  if (node.items.empty()) {
    diag.Add(node.pos, path, "must list at least one code (e.g. [UNAVAILABLE, INTERNAL])");
    return;
  }
  std::vector<int> codes;
  bool all_read = true;
  for (size_t i = 0; i < node.items.size(); ++i) {
    const std::string item_path = IndexPath(path, i);
    auto s = ReadString(node.items[i], item_path, diag);
    if (!s) {
      all_read = false;
      continue;
    }
    const std::optional<int> code = GrpcStatusCodeFromName(*s);
    if (!code.has_value() || *code == 0) {
      std::vector<absl::string_view> names;
      for (int c = 1; c < kNumGrpcStatusCodes; ++c) names.push_back(GrpcStatusCodeName(c));
      std::string message = code.has_value()
                                ? std::string("OK is a success, not an error code")
                                : absl::StrCat("unknown gRPC status code ", Quote(*s));
      if (auto guess = ClosestMatch(*s, names); guess && !code.has_value()) {
        absl::StrAppend(&message, "; did you mean \"", *guess, "\"?");
      }
      diag.Add(node.items[i].pos, item_path, message);
      all_read = false;
      continue;
    }
    if (std::find(codes.begin(), codes.end(), *code) == codes.end()) codes.push_back(*code);
  }
  std::sort(codes.begin(), codes.end());
  if (all_read) out = std::move(codes);
}

}  // namespace modelgate::config
