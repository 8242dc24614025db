// modelgate.recommend.v1.Recommender for the fake model: Recommend(user_id, n) answers with the
// top n items of one ranker of the simulated world (tools/clicksim/relevance.h), configured by
// the --recommend_* flags. The ranking is a pure function of the flags and the user id, so two
// processes with the same flags, and the offline simulation with the same settings, return
// identical lists; a proxy test can put two of these behind an interleave route as rankers of
// known quality.
#pragma once

#include <string>

#include "grpcpp/support/status.h"
#include "modelgate/recommend/v1/recommend.grpc.pb.h"
#include "tools/clicksim/relevance.h"
#include "tools/fake_model/options.h"
#include "tools/fake_model/worker.h"

namespace modelgate::tools {

// Most items one Recommend answers with, whatever n asks: bounds the work of a call (it runs on
// a polling thread) and the response size.
inline constexpr int kMaxRecommendations = 1000;

// The service object and the ranker behind it. Immutable after construction apart from what
// gRPC does with the AsyncService; Recommend may run on every polling thread at once.
class RecommendBackend {
 public:
  explicit RecommendBackend(const FakeModelOptions& options);
  // The ranker refers to the world member: never copied or moved.
  RecommendBackend(const RecommendBackend&) = delete;
  RecommendBackend& operator=(const RecommendBackend&) = delete;

  // INVALID_ARGUMENT for n <= 0; otherwise the top min(n, kMaxRecommendations, items) items,
  // best first, with the ranker's scores, and `model` = the --name flag.
  grpc::Status Recommend(const modelgate::recommend::v1::RecommendRequest& request,
                         modelgate::recommend::v1::RecommendResponse& response) const;

  modelgate::recommend::v1::Recommender::AsyncService& service() { return service_; }

 private:
  std::string model_name_;
  clicksim::World world_;
  clicksim::Ranker ranker_;
  modelgate::recommend::v1::Recommender::AsyncService service_;
};

// Posts `worker`'s first Recommend slot; `backend` must outlive the worker's calls.
void PostRecommendCalls(Worker& worker, RecommendBackend& backend);

}  // namespace modelgate::tools
