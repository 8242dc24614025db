// The canary strategy's block, reader and compiler.
#include "strategies/canary.h"

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/route_parts.h"
#include "config/yaml_reader.h"
#include "common/status_codes.h"
#include "routing/strategies/canary.h"

namespace modelgate::strategies {
namespace {

constexpr int64_t kFullShare = 10000;  // basis points of traffic

std::string Percent(int64_t basis_points) {
  return absl::StrCat(static_cast<double>(basis_points) / 100.0);
}

// steps: percentages in (0, 100], strictly increasing, ending at 100; kept in basis points.
void ReadSteps(const config::YamlNode& node, const std::string& path, config::Diagnostics& diag,
               std::vector<int64_t>& out) {
  if (!config::ExpectList(node, path, diag)) return;
  if (node.items.empty()) {
    diag.Add(node.pos, path, "must list at least one step (the last one is 100)");
    return;
  }
  std::vector<int64_t> steps;
  bool all_read = true;
  for (size_t i = 0; i < node.items.size(); ++i) {
    const std::string p = config::IndexPath(path, i);
    auto v = config::ReadNumber(node.items[i], p, diag, 0);
    if (!v) {
      all_read = false;
      continue;
    }
    const int64_t bp = std::llround(*v * 100);
    if (*v <= 0 || *v > 100 || bp < 1) {
      diag.Add(node.items[i].pos, p,
               absl::StrCat("must be a percentage in (0, 100], at least 0.01 (got ", *v, ")"));
      all_read = false;
      continue;
    }
    if (!steps.empty() && bp <= steps.back()) {
      diag.Add(node.items[i].pos, p,
               absl::StrCat("must be increasing (got ", *v, " after ", Percent(steps.back()),
                            ")"));
      all_read = false;
    }
    steps.push_back(bp);
  }
  if (all_read && steps.back() != kFullShare) {
    diag.Add(node.items.back().pos, config::IndexPath(path, node.items.size() - 1),
             absl::StrCat("the last step must be 100 (promotion; got ", Percent(steps.back()),
                          ")"));
    return;
  }
  if (all_read) out = std::move(steps);
}

// A number >= 0 with an upper bound.
void ReadBounded(const config::MapReader& map, absl::string_view key, double max,
                 config::Diagnostics& diag, double& out) {
  const config::YamlNode* n = map.Find(key);
  if (n == nullptr) return;
  const std::string p = map.PathOf(key);
  if (auto v = config::ReadNumber(*n, p, diag, 0)) {
    if (*v > max) {
      diag.Add(n->pos, p, absl::StrCat("must be at most ", max, " (got ", *v, ")"));
    } else {
      out = *v;
    }
  }
}

void ReadGates(const config::YamlNode& node, const std::string& path, config::Diagnostics& diag,
               CanaryGates& out) {
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader gates(
      node, path, {"max_error_rate", "max_latency_p99_seconds", "rollback_error_rate"}, diag);
  ReadBounded(gates, "max_error_rate", 1, diag, out.max_error_rate);
  ReadBounded(gates, "max_latency_p99_seconds", 3600, diag, out.max_latency_p99_seconds);
  ReadBounded(gates, "rollback_error_rate", 1, diag, out.rollback_error_rate);
  if (out.rollback_error_rate >= 0 && out.max_error_rate >= 0 &&
      out.rollback_error_rate < out.max_error_rate) {
    const config::YamlEntry* e = gates.FindEntry("rollback_error_rate");
    diag.Add(e->value.pos, gates.PathOf("rollback_error_rate"),
             absl::StrCat("must be at least max_error_rate (", out.max_error_rate,
                          "): it is the rate that rolls back at once"));
  }
}

void ReadWebhook(const config::YamlNode& node, const std::string& path,
                 config::Diagnostics& diag, CanaryWebhook& out) {
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader hook(node, path, {"url", "timeout_seconds"}, diag);
  if (const config::YamlNode* n = hook.Require("url")) {
    const std::string p = hook.PathOf("url");
    if (auto s = config::ReadString(*n, p, diag)) {
      // The notifier speaks plain HTTP/1.1 (a cluster-internal receiver or a sidecar that
      // adds TLS): a URL it cannot call is a config error, not a silent failure later.
      if (!absl::StartsWith(*s, "http://") || s->size() <= 7) {
        diag.Add(n->pos, p,
                 absl::StrCat("must be an http:// URL (https is not supported; got ",
                              config::Quote(*s), ")"));
      } else {
        out.url = *s;
      }
    }
  }
  double timeout = out.timeout_seconds;
  ReadBounded(hook, "timeout_seconds", 60, diag, timeout);
  if (timeout > 0) out.timeout_seconds = timeout;
}

}  // namespace

std::vector<int> DefaultFallbackCodes() { return {2, 4, 8, 13, 14}; }

std::string CanaryBlock::ExperimentKey() const {
  return absl::StrCat(sticky.size(), ":", sticky, ";", salt.size(), ":", salt);
}

std::string CanaryBlock::DefinitionKey() const {
  return absl::StrCat(ExperimentKey(), ";", legacy, ";", candidate, ";",
                      absl::StrJoin(steps, ","), ";", step_seconds, ";", min_requests_per_step,
                      ";", max_failed_checks, ";", fallback, ";",
                      absl::StrJoin(fallback_codes, ","), ";", gates.max_error_rate, ";",
                      gates.max_latency_p99_seconds, ";", gates.rollback_error_rate, ";",
                      webhook.url, ";", webhook.timeout_seconds);
}

nlohmann::json CanaryBlock::ToJson() const {
  nlohmann::json step_percents = nlohmann::json::array();
  for (int64_t s : steps) step_percents.push_back(static_cast<double>(s) / 100.0);
  nlohmann::json codes = nlohmann::json::array();
  for (int c : fallback_codes) codes.push_back(std::string(GrpcStatusCodeName(c)));
  auto optional = [](double v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"legacy", legacy},
          {"candidate", candidate},
          {"sticky_header", sticky},
          {"salt", salt},
          {"steps", step_percents},
          {"step_seconds", step_seconds},
          {"min_requests_per_step", min_requests_per_step},
          {"max_failed_checks", max_failed_checks},
          {"on_candidate_error", fallback ? "fallback_to_legacy" : "fail"},
          {"fallback_codes", codes},
          {"gates",
           {{"max_error_rate", optional(gates.max_error_rate)},
            {"max_latency_p99_seconds", optional(gates.max_latency_p99_seconds)},
            {"rollback_error_rate", optional(gates.rollback_error_rate)}}},
          {"webhook", webhook.url.empty() ? nlohmann::json(nullptr)
                                          : nlohmann::json({{"url", webhook.url},
                                                            {"timeout_seconds",
                                                             webhook.timeout_seconds}})}};
}

void CanaryDef::Read(const config::YamlNode& node, const std::string& path,
                     const config::RouteContext& ctx, config::Route& route) const {
  auto block = std::make_shared<CanaryBlock>();
  route.block = block;
  config::Diagnostics& diag = ctx.diag;
  if (!config::ExpectMap(node, path, diag)) return;
  config::MapReader canary(
      node, path,
      {"legacy", "candidate", "sticky_header", "salt", "steps", "step_seconds",
       "min_requests_per_step", "max_failed_checks", "on_candidate_error", "fallback_codes",
       "gates", "webhook"},
      diag);
  if (const config::YamlNode* n = canary.Require("legacy")) {
    if (auto b = config::ReadBackendRef(*n, canary.PathOf("legacy"), ctx)) block->legacy = *b;
  }
  if (const config::YamlNode* n = canary.Require("candidate")) {
    const std::string p = canary.PathOf("candidate");
    if (auto b = config::ReadBackendRef(*n, p, ctx)) {
      if (*b == block->legacy) {
        diag.Add(n->pos, p,
                 absl::StrCat("must differ from legacy (both are ", config::Quote(*b), ")"));
      } else {
        block->candidate = *b;
      }
    }
  }
  if (const config::YamlNode* n = canary.Find("sticky_header")) {
    if (auto s = config::ReadStickyHeader(*n, canary.PathOf("sticky_header"), diag)) {
      block->sticky = *s;
    }
  }
  if (const config::YamlNode* n = canary.Find("salt")) {
    if (auto s = config::ReadString(*n, canary.PathOf("salt"), diag)) block->salt = *s;
  }
  if (const config::YamlNode* n = canary.Require("steps")) {
    ReadSteps(*n, canary.PathOf("steps"), diag, block->steps);
  }
  if (const config::YamlNode* n = canary.Find("step_seconds")) {
    const std::string p = canary.PathOf("step_seconds");
    if (auto v = config::ReadNumber(*n, p, diag, 0)) {
      if (*v <= 0) {
        diag.Add(n->pos, p, absl::StrCat("must be > 0 (got ", *v, ")"));
      } else {
        block->step_seconds = *v;
      }
    }
  }
  if (const config::YamlNode* n = canary.Find("min_requests_per_step")) {
    if (auto v = config::ReadInt(*n, canary.PathOf("min_requests_per_step"), diag, 0,
                                 1'000'000'000)) {
      block->min_requests_per_step = *v;
    }
  }
  if (const config::YamlNode* n = canary.Find("max_failed_checks")) {
    if (auto v = config::ReadInt(*n, canary.PathOf("max_failed_checks"), diag, 1, 1'000'000)) {
      block->max_failed_checks = *v;
    }
  }
  if (const config::YamlNode* n = canary.Find("on_candidate_error")) {
    if (auto s = config::ReadChoice(*n, canary.PathOf("on_candidate_error"),
                                    {"fail", "fallback_to_legacy"}, diag)) {
      block->fallback = *s == "fallback_to_legacy";
    }
  }
  block->fallback_codes = DefaultFallbackCodes();
  if (const config::YamlEntry* e = canary.FindEntry("fallback_codes")) {
    config::ReadStatusCodes(e->value, canary.PathOf("fallback_codes"), diag,
                            block->fallback_codes);
    if (!block->fallback) {
      diag.Add(e->key.pos, canary.PathOf("fallback_codes"),
               "only used with on_candidate_error: fallback_to_legacy");
    }
  }
  if (const config::YamlNode* n = canary.Find("gates")) {
    ReadGates(*n, canary.PathOf("gates"), diag, block->gates);
  }
  if (const config::YamlNode* n = canary.Find("webhook")) {
    ReadWebhook(*n, canary.PathOf("webhook"), diag, block->webhook);
  }
  // The arms start at the first step; the controller moves them.
  const int64_t share = block->steps.empty() ? 0 : block->steps.front();
  if (!block->legacy.empty()) {
    route.arms.push_back({block->legacy, block->legacy, kFullShare - share, ArmRole::kReference});
  }
  if (!block->candidate.empty()) {
    route.arms.push_back({block->candidate, block->candidate, share, ArmRole::kCandidate});
  }
}

absl::StatusOr<CompiledStrategy> CanaryDef::Compile(
    const config::Route& route,
    const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const {
  const CanaryBlock& block = route.block_as<CanaryBlock>();
  if (route.arms.size() != 2 || health.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("route ", route.name, ": a canary has two arms"));
  }
  const int64_t total = route.arms[0].weight + route.arms[1].weight;
  const int64_t share = total > 0 ? route.arms[1].weight * kFullShare / total : 0;
  uint32_t fallback_codes = 0;
  if (block.fallback) {
    for (int c : block.fallback_codes) fallback_codes |= uint32_t{1} << c;
  }
  return CompiledStrategy{
      std::make_unique<routing::CanaryStrategy>(route.name, share, block.sticky, block.salt,
                                                fallback_codes, health[1])};
}

std::string CanaryDef::MultiLegSetting(const config::Route& route) const {
  return route.block != nullptr && route.block_as<CanaryBlock>().fallback
             ? "canary.on_candidate_error"
             : "";
}

}  // namespace modelgate::strategies
