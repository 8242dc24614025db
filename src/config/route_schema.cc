// Routes of schema v1: name, match, strategy with exactly its own block, and per-route options.
#include "config/route_schema.h"

#include <limits>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "config/closest_match.h"
#include "config/monitor_schema.h"
#include "config/value_syntax.h"
#include "config/yaml_reader.h"

namespace modelgate::config {
namespace {

// Strategies are registered here explicitly (DESIGN.md §3): a name not listed is an error,
// never a silent default. Each strategy's block key is the strategy's own name.
struct StrategyInfo {
  absl::string_view name;
  StrategyKind kind;
};
constexpr StrategyInfo kStrategies[] = {{"ab", StrategyKind::kAb},
                                        {"forward", StrategyKind::kForward}};

// Weights are relative, so int32 is plenty; the cap keeps any sum of them far from overflow.
constexpr int64_t kMaxWeight = std::numeric_limits<int32_t>::max();

constexpr absl::string_view kDefaultSalt = "modelgate";

std::string FirstAt(SourcePos pos) {
  return absl::StrCat("first at line ", pos.line, ", column ", pos.column);
}

// Context shared by everything inside one route.
struct RouteContext {
  const std::vector<Backend>* backends;  // nullptr: do not check references
  Diagnostics& diag;
};

// Reads a backend reference; reports a name no backend has, with a hint when it is close.
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

void ReadMatch(const YamlNode& node, const std::string& path, Diagnostics& diag, Match& out) {
  if (!ExpectMap(node, path, diag)) return;
  MapReader match(node, path, {"service", "method", "headers"}, diag);
  if (const YamlNode* n = match.Find("service")) {
    const std::string p = match.PathOf("service");
    if (auto s = ReadString(*n, p, diag); s && diag.Check(CheckServiceName(*s), n->pos, p)) {
      out.service = *s;
    }
  }
  if (const YamlNode* n = match.Find("method")) {
    const std::string p = match.PathOf("method");
    if (auto s = ReadString(*n, p, diag); s && diag.Check(CheckMethodName(*s), n->pos, p)) {
      out.method = *s;
    }
  }
  if (const YamlNode* n = match.Find("headers")) {
    const std::string headers_path = match.PathOf("headers");
    if (!ExpectMap(*n, headers_path, diag)) return;
    MapReader headers(*n, headers_path, {}, diag);  // keys are the user's; duplicates still caught
    for (const YamlEntry* entry : headers.entries()) {
      const std::string& key = entry->key.scalar;
      const std::string p = headers.PathOf(key);
      const bool key_ok = diag.Check(CheckMetadataKey(key), entry->key.pos, p);
      auto value = ReadString(entry->value, p, diag);
      if (value && diag.Check(CheckMetadataValue(*value), entry->value.pos, p) && key_ok) {
        out.headers.emplace_back(key, *value);
      }
    }
  }
}

void ReadForward(const YamlNode& node, const std::string& path, const RouteContext& ctx,
                 ForwardConfig& out) {
  if (!ExpectMap(node, path, ctx.diag)) return;
  MapReader forward(node, path, {"backend"}, ctx.diag);
  if (const YamlNode* n = forward.Require("backend")) {
    if (auto b = ReadBackendRef(*n, forward.PathOf("backend"), ctx)) out.backend = *b;
  }
}

void ReadArms(const YamlNode& node, const std::string& path, const RouteContext& ctx,
              std::vector<AbArm>& out) {
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
    AbArm arm;
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

void ReadAb(const YamlNode& node, const std::string& path, const RouteContext& ctx, AbConfig& out) {
  Diagnostics& diag = ctx.diag;
  if (!ExpectMap(node, path, diag)) return;
  MapReader ab(node, path, {"arms", "sticky_header", "salt"}, diag);
  if (const YamlNode* n = ab.Require("arms")) ReadArms(*n, ab.PathOf("arms"), ctx, out.arms);
  if (const YamlNode* n = ab.Find("sticky_header")) {
    const std::string p = ab.PathOf("sticky_header");
    if (auto s = ReadString(*n, p, diag); s && diag.Check(CheckMetadataKey(*s), n->pos, p)) {
      if (absl::EndsWith(*s, "-bin")) {
        diag.Add(n->pos, p,
                 absl::StrCat("must not end in \"-bin\": binary headers carry raw bytes, not a "
                              "user id (got ",
                              Quote(*s), ")"));
      } else {
        out.sticky_header = *s;
      }
    }
  }
  out.salt = std::string(kDefaultSalt);
  if (const YamlNode* n = ab.Find("salt")) {
    if (auto s = ReadString(*n, ab.PathOf("salt"), diag)) out.salt = *s;
  }
}

// Reads `strategy` and checks that exactly the chosen strategy's block is present.
std::optional<StrategyKind> ReadStrategy(const MapReader& route, Diagnostics& diag) {
  const YamlNode* n = route.Require("strategy");
  if (n == nullptr) return std::nullopt;
  const std::string path = route.PathOf("strategy");
  auto name = ReadString(*n, path, diag);
  if (!name) return std::nullopt;
  const StrategyInfo* chosen = nullptr;
  std::vector<absl::string_view> known;
  for (const StrategyInfo& s : kStrategies) {
    known.push_back(s.name);
    if (s.name == *name) chosen = &s;
  }
  if (chosen == nullptr) {
    std::string message = absl::StrCat("unknown strategy ", Quote(*name),
                                       " (known: ", absl::StrJoin(known, ", "), ")");
    if (auto guess = ClosestMatch(*name, known)) {
      absl::StrAppend(&message, "; did you mean \"", *guess, "\"?");
    }
    diag.Add(n->pos, path, message);
    return std::nullopt;
  }
  for (const StrategyInfo& s : kStrategies) {
    const YamlEntry* block = route.FindEntry(s.name);
    if (&s == chosen && block == nullptr) {
      diag.Add(route.pos(), route.PathOf(s.name),
               absl::StrCat("required when strategy is \"", s.name, "\""));
    } else if (&s != chosen && block != nullptr) {
      diag.Add(block->key.pos, route.PathOf(s.name),
               absl::StrCat("only allowed when strategy is \"", s.name, "\" (this route's is \"",
                            chosen->name, "\")"));
    }
  }
  return chosen->kind;
}

void ReadRoute(const YamlNode& node, const std::string& path, const RouteContext& ctx,
               absl::flat_hash_map<std::string, SourcePos>& names, Route& out) {
  Diagnostics& diag = ctx.diag;
  MapReader route(node, path,
                  {"name", "match", "strategy", "ab", "forward", "arm_header", "timeout_seconds",
                   "monitor"},
                  diag);
  out.pos = node.pos;
  if (const YamlNode* n = route.Require("name")) {
    const std::string p = route.PathOf("name");
    if (auto s = ReadString(*n, p, diag); s && diag.Check(CheckName(*s), n->pos, p)) {
      const auto [it, inserted] = names.emplace(*s, n->pos);
      if (inserted) {
        out.name = *s;
      } else {
        diag.Add(n->pos, p,
                 absl::StrCat("duplicate route name ", Quote(*s), " (", FirstAt(it->second), ")"));
      }
    }
  }
  if (const YamlNode* n = route.Find("match")) {
    ReadMatch(*n, route.PathOf("match"), diag, out.match);
  }
  if (auto kind = ReadStrategy(route, diag)) out.strategy = *kind;
  // Blocks are read even when they do not belong to the strategy, so their own mistakes are
  // reported in the same run.
  if (const YamlNode* n = route.Find("ab")) ReadAb(*n, route.PathOf("ab"), ctx, out.ab);
  if (const YamlNode* n = route.Find("forward")) {
    ReadForward(*n, route.PathOf("forward"), ctx, out.forward);
  }
  if (const YamlNode* n = route.Find("arm_header")) {
    if (auto b = ReadBool(*n, route.PathOf("arm_header"), diag)) out.arm_header = *b;
  }
  if (const YamlNode* n = route.Find("timeout_seconds")) {
    if (auto t = ReadNumber(*n, route.PathOf("timeout_seconds"), diag, 0)) {
      out.timeout_seconds = *t;
    }
  }
  if (const YamlEntry* e = route.FindEntry("monitor")) {
    if (out.strategy != StrategyKind::kAb) {
      diag.Add(e->key.pos, route.PathOf("monitor"),
               "only allowed on routes with strategy \"ab\" (monitors compare arms)");
    }
    std::vector<std::string> arm_names;
    for (const AbArm& a : out.ab.arms) arm_names.push_back(a.name);
    ReadMonitor(e->value, route.PathOf("monitor"), arm_names, diag, out.monitor);
    if (out.monitor.reference_arm.empty() && !arm_names.empty()) {
      out.monitor.reference_arm = arm_names.front();
    }
    out.monitor.sticky_assignment = !out.ab.sticky_header.empty();
  }
}

}  // namespace

void ReadRoutes(const YamlNode& node, const std::vector<Backend>* backends, Diagnostics& diag,
                std::vector<Route>& out) {
  if (!ExpectList(node, "routes", diag)) return;
  if (node.items.empty()) {
    diag.Add(node.pos, "routes", "must list at least one route");
    return;
  }
  const RouteContext ctx{backends, diag};
  absl::flat_hash_map<std::string, SourcePos> names;
  for (size_t i = 0; i < node.items.size(); ++i) {
    const YamlNode& item = node.items[i];
    const std::string path = IndexPath("routes", i);
    if (!ExpectMap(item, path, diag)) continue;
    Route route;
    ReadRoute(item, path, ctx, names, route);
    out.push_back(std::move(route));
  }
}

}  // namespace modelgate::config
