// `canary`: a stable cohort of users goes to the candidate, grown step by step while health and
// statistical gates hold, rolled back automatically when they break (control/canary_controller).
//   canary:
//     legacy: legacy                   # backends (the legacy is the reference)
//     candidate: candidate
//     sticky_header: x-user-id         # optional; without it, calls are assigned at random
//     salt: predict-canary-1           # optional
//     steps: [1, 5, 25, 50, 100]       # percent of users on the candidate, increasing, to 100
//     step_seconds: 60                 # minimum time on a step
//     min_requests_per_step: 500       # minimum candidate calls on a step before it passes
//     max_failed_checks: 3             # failed checks in a run before rolling back
//     on_candidate_error: fail         # or fallback_to_legacy (unary calls)
//     fallback_codes: [UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED]
//     gates: {max_error_rate: 0.01, max_latency_p99_seconds: 0.25, rollback_error_rate: 0.5}
//     webhook: {url: "http://hooks.example/canary", timeout_seconds: 2}
// Arms: 0 = legacy (reference), 1 = candidate; their weights are the candidate's share in basis
// points (the config's: the first step; at run time, the controller's current step).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strategies/strategy_def.h"

namespace modelgate::strategies {

struct CanaryGates {
  double max_error_rate = -1;           // < 0: not set
  double max_latency_p99_seconds = -1;  // < 0: not set
  double rollback_error_rate = -1;      // < 0: not set
};

struct CanaryWebhook {
  std::string url;  // "" = none; http://host:port/path
  double timeout_seconds = 2;
};

struct CanaryBlock final : config::StrategyBlock {
  std::string legacy;
  std::string candidate;
  std::string sticky;
  std::string salt = "modelgate";
  std::vector<int64_t> steps;  // basis points of traffic (100% = 10000), increasing, last 10000
  double step_seconds = 60;
  int64_t min_requests_per_step = 500;
  int64_t max_failed_checks = 3;
  bool fallback = false;  // on_candidate_error: fallback_to_legacy
  std::vector<int> fallback_codes;
  CanaryGates gates;
  CanaryWebhook webhook;

  std::string ExperimentKey() const override;
  std::string DefinitionKey() const override;
  std::string sticky_header() const override { return sticky; }
  nlohmann::json ToJson() const override;
};

// Default fallback codes: the candidate could not serve (never an application answer).
std::vector<int> DefaultFallbackCodes();

class CanaryDef final : public StrategyDef {
 public:
  absl::string_view name() const override { return "canary"; }
  bool monitorable() const override { return true; }
  bool needs_monitor() const override { return true; }
  void Read(const config::YamlNode& node, const std::string& path,
            const config::RouteContext& ctx, config::Route& route) const override;
  absl::StatusOr<CompiledStrategy> Compile(
      const config::Route& route,
      const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const override;
  std::string MultiLegSetting(const config::Route& route) const override;
};

}  // namespace modelgate::strategies
