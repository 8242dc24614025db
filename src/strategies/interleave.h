// `interleave`: for ranking and recommendation models. Every unary call goes to all rankers in
// parallel; their ranked lists are merged by Team-Draft Interleaving (Multileaving for three or
// more) into ONE response in the rankers' own format, with an impression id in the response's
// initial metadata (x-modelgate-impression). Clicks reported for the impression (gRPC
// modelgate.feedback.v1.Feedback/RecordClicks, or POST /api/v1/routes/{route}/feedback) are
// credited to the ranker whose team showed the item, and the per-pair preference is tested.
//   interleave:
//     rankers: [legacy, candidate]       # backends, 2 to 32, distinct
//     method: team_draft                 # the only method
//     list: {payload: inference_v2, items_tensor: item_ids, aligned_tensors: [scores]}
//           # or {payload: recommend} (modelgate.recommend.v1.Recommender)
//     page_size: 10                      # items in the merged list
//     impression_ttl_seconds: 600        # feedback after this is refused (NOT_FOUND)
//     max_impressions: 100000            # memory cap; the oldest are evicted, counted
//     sticky_header: x-user-id           # optional: the user is the statistical unit
//     salt: rank-1                       # optional
//     statistics: {alpha: 0.05, tau: 0.1, burn_in: 100}
// Arms: the rankers in order; the first is the reference. Every weight is 0: nothing is split,
// so the sample-ratio check does not apply.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "interleave/interleave_spec.h"
#include "strategies/strategy_def.h"

namespace modelgate::strategies {

struct InterleaveBlock final : config::StrategyBlock {
  std::vector<std::string> rankers;
  std::string payload = "inference_v2";  // or "recommend"
  std::string items_tensor;
  std::vector<std::string> aligned_tensors;
  int64_t page_size = 10;
  double impression_ttl_seconds = 600;
  int64_t max_impressions = 100000;
  std::string sticky;
  std::string salt = "modelgate";
  double alpha = 0.05;
  double tau = 0.1;
  int64_t burn_in = 100;

  std::string ExperimentKey() const override;
  std::string DefinitionKey() const override;
  std::string sticky_header() const override { return sticky; }
  nlohmann::json ToJson() const override;
};

// The run-time settings of an interleave route (its block's, with the route's arm names).
interleave::InterleaveSpec InterleaveSpecOf(const config::Route& route);

class InterleaveDef final : public StrategyDef {
 public:
  absl::string_view name() const override { return "interleave"; }
  bool monitorable() const override { return true; }
  void Read(const config::YamlNode& node, const std::string& path,
            const config::RouteContext& ctx, config::Route& route) const override;
  absl::StatusOr<CompiledStrategy> Compile(
      const config::Route& route,
      const std::vector<std::shared_ptr<routing::BackendHealth>>& health) const override;
  std::string MultiLegSetting(const config::Route& route) const override { return "interleave"; }
};

}  // namespace modelgate::strategies
