// `shadow`: the client always gets the primary's answer; a sampled share of unary calls is also
// sent to each shadow (and to an optional noise reference, a second instance of the primary's
// model), and the answers are compared off the request path (src/shadow).
//   shadow:
//     primary: legacy                    # backends
//     shadows: [candidate]               # one or more, each different from the primary
//     sample_rate: 1                     # share of calls mirrored, (0, 1]
//     sticky_header: x-user-id           # optional: sample by user instead of by call
//     salt: predict-shadow-1             # optional
//     max_inflight: 100                  # copies in flight per shadow; over it: dropped, counted
//     timeout_seconds: 5                 # each copy's own deadline (never the client's)
//     methods: ["/inference.GRPCInferenceService/ModelInfer"]   # optional; default: all unary
//     noise_reference: legacy-b          # optional: Diffy-style noise cancellation
//     compare:
//       payload: inference_v2            # or bytes (the default): exact byte equality only
//       absolute_tolerance: 1.0e-6       # numeric agreement: |s - p| <= atol + rtol * |p|
//       relative_tolerance: 1.0e-4
//       argmax_outputs: [probabilities]  # class-score outputs: argmax agreement per row
//       ignore_outputs: [debug_info]
//       queue_size: 1024                 # comparisons waiting; over it: dropped, counted
//       noise: {absolute_threshold: 0.03, relative_threshold: 0.2, min_samples: 20}
//     diffs: {max_samples: 100, file: diffs.jsonl, file_max_bytes: 10MiB}
// Arms: 0 = primary (reference), then the shadows (role shadow), then the noise reference (role
// shadow). Every weight is 0: nothing is split, so the sample-ratio check does not apply.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shadow/comparer_spec.h"
#include "strategies/strategy_def.h"

namespace modelgate::strategies {

struct ShadowBlock final : config::StrategyBlock {
  std::string primary;
  std::vector<std::string> shadows;
  std::string noise_reference;  // "" = none
  double sample_rate = 1;
  std::string sticky;
  std::string salt = "modelgate";
  int64_t max_inflight = 100;
  double timeout_seconds = 5;
  std::vector<std::string> methods;
  shadow::ComparerSpec compare;  // arms are filled by SpecOf

  std::string ExperimentKey() const override;
  std::string DefinitionKey() const override;
  std::string sticky_header() const override { return sticky; }
  nlohmann::json ToJson() const override;
};

class ShadowDef final : public StrategyDef {
 public:
  absl::string_view name() const override { return "shadow"; }
  bool monitorable() const override { return true; }
  void Read(const config::YamlNode& node, const std::string& path,
            const config::RouteContext& ctx, config::Route& route) const override;
  absl::StatusOr<CompiledStrategy> Compile(
      const config::Route& route,
      const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const override;
  std::string MultiLegSetting(const config::Route& route) const override { return "shadow"; }
};

// The comparer settings of a shadow route (its block's, with the route's arms).
shadow::ComparerSpec ShadowComparerSpec(const config::Route& route);

}  // namespace modelgate::strategies
