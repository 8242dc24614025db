// Routes of schema v1: name, match, strategy (its block read by the strategy's own reader), and
// the options every route has.
#include "config/route_schema.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "config/closest_match.h"
#include "config/monitor_schema.h"
#include "config/route_parts.h"
#include "config/value_syntax.h"
#include "config/yaml_reader.h"

namespace modelgate::config {
namespace {

constexpr absl::string_view kRouteKeys[] = {"name",       "match",           "strategy",
                                            "arm_header", "timeout_seconds", "monitor"};

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

// Reads `strategy`, checks that exactly the chosen strategy's block is present, and has the
// strategy's reader read it. Every other strategy's block is an error (but still read, so its
// own mistakes are reported in the same run).
const StrategyReader* ReadStrategy(const MapReader& route, const StrategyReaders& readers,
                                   const RouteContext& ctx, Route& out) {
  Diagnostics& diag = ctx.diag;
  const YamlNode* n = route.Require("strategy");
  const StrategyReader* chosen = nullptr;
  if (n != nullptr) {
    const std::string path = route.PathOf("strategy");
    if (auto name = ReadString(*n, path, diag)) {
      std::vector<absl::string_view> known;
      for (const StrategyReader* r : readers) {
        known.push_back(r->name());
        if (r->name() == *name) chosen = r;
      }
      if (chosen == nullptr) {
        std::string message = absl::StrCat("unknown strategy ", Quote(*name),
                                           " (known: ", absl::StrJoin(known, ", "), ")");
        if (auto guess = ClosestMatch(*name, known)) {
          absl::StrAppend(&message, "; did you mean \"", *guess, "\"?");
        }
        diag.Add(n->pos, path, message);
      }
    }
  }
  for (const StrategyReader* r : readers) {
    const YamlEntry* block = route.FindEntry(r->name());
    if (r == chosen && block == nullptr) {
      diag.Add(route.pos(), route.PathOf(r->name()),
               absl::StrCat("required when strategy is \"", r->name(), "\""));
    } else if (chosen != nullptr && r != chosen && block != nullptr) {
      diag.Add(block->key.pos, route.PathOf(r->name()),
               absl::StrCat("only allowed when strategy is \"", r->name(), "\" (this route's is \"",
                            chosen->name(), "\")"));
    }
    if (block != nullptr) {
      Route scratch;  // another strategy's block is checked, but not kept
      r->Read(block->value, route.PathOf(r->name()), ctx, r == chosen ? out : scratch);
    }
  }
  if (chosen != nullptr) out.strategy = std::string(chosen->name());
  return chosen;
}

// The monitor's reference arm is the arm with the reference role, unless monitor.reference_arm
// names another (A/B tests may compare against any arm): that one becomes the reference.
void ApplyReferenceArm(Route& route) {
  if (route.monitor.reference_arm.empty()) {
    for (const RouteArm& a : route.arms) {
      if (a.role == ArmRole::kReference) {
        route.monitor.reference_arm = a.name;
        break;
      }
    }
    return;
  }
  for (RouteArm& a : route.arms) {
    if (a.name == route.monitor.reference_arm) {
      a.role = ArmRole::kReference;
    } else if (a.role == ArmRole::kReference) {
      a.role = ArmRole::kCandidate;
    }
  }
}

void ReadRoute(const YamlNode& node, const std::string& path, const StrategyReaders& readers,
               const RouteContext& ctx, absl::flat_hash_map<std::string, SourcePos>& names,
               Route& out) {
  Diagnostics& diag = ctx.diag;
  std::vector<absl::string_view> keys(std::begin(kRouteKeys), std::end(kRouteKeys));
  for (const StrategyReader* r : readers) keys.push_back(r->name());
  MapReader route(node, path, keys, diag);
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
  const StrategyReader* strategy = ReadStrategy(route, readers, ctx, out);
  if (const YamlNode* n = route.Find("arm_header")) {
    if (auto b = ReadBool(*n, route.PathOf("arm_header"), diag)) out.arm_header = *b;
  }
  if (const YamlNode* n = route.Find("timeout_seconds")) {
    if (auto t = ReadNumber(*n, route.PathOf("timeout_seconds"), diag, 0)) {
      out.timeout_seconds = *t;
    }
  }
  if (const YamlEntry* e = route.FindEntry("monitor")) {
    if (strategy != nullptr && !strategy->monitorable()) {
      diag.Add(e->key.pos, route.PathOf("monitor"),
               absl::StrCat("not allowed on routes with strategy \"", strategy->name(),
                            "\" (a monitor compares arms)"));
    }
    std::vector<std::string> arm_names;
    for (const RouteArm& a : out.arms) arm_names.push_back(a.name);
    ReadMonitor(e->value, route.PathOf("monitor"), arm_names, diag, out.monitor);
  } else if (strategy != nullptr && strategy->needs_monitor()) {
    out.monitor.enabled = true;  // the defaults
  }
  if (out.monitor.enabled) {
    ApplyReferenceArm(out);
    out.monitor.sticky_assignment = out.block != nullptr && !out.block->sticky_header().empty();
  }
}

}  // namespace

void ReadRoutes(const YamlNode& node, const std::vector<Backend>* backends,
                const StrategyReaders& readers, Diagnostics& diag, std::vector<Route>& out) {
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
    ReadRoute(item, path, readers, ctx, names, route);
    out.push_back(std::move(route));
  }
}

}  // namespace modelgate::config
