// The fake model's Recommender: a unary call answered at once on the polling thread; see
// recommend_service.h.
#include "tools/fake_model/recommend_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "tools/fake_model/unary_call.h"

namespace modelgate::tools {
namespace {

using modelgate::recommend::v1::RecommendRequest;
using modelgate::recommend::v1::RecommendResponse;

clicksim::WorldOptions WorldFrom(const FakeModelOptions& o) {
  clicksim::WorldOptions world;
  world.num_items = static_cast<int>(o.recommend_items);
  world.seed = static_cast<uint64_t>(o.recommend_world_seed);
  return world;
}

clicksim::RankerOptions RankerFrom(const FakeModelOptions& o) {
  clicksim::RankerOptions ranker;
  ranker.noise = o.recommend_noise;
  ranker.seed = static_cast<uint64_t>(o.recommend_seed);
  return ranker;
}

}  // namespace

RecommendBackend::RecommendBackend(const FakeModelOptions& options)
    : model_name_(options.name), world_(WorldFrom(options)), ranker_(world_, RankerFrom(options)) {}

grpc::Status RecommendBackend::Recommend(const RecommendRequest& request,
                                         RecommendResponse& response) const {
  if (request.n() <= 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("n must be positive, got ", request.n()));
  }
  const int n = std::min(request.n(), kMaxRecommendations);
  response.Clear();
  for (const clicksim::ScoredItem& s : ranker_.Recommend(request.user_id(), n)) {
    auto* item = response.add_items();
    item->set_id(clicksim::ItemId(s.item));
    item->set_score(s.score);
  }
  response.set_model(model_name_);
  return grpc::Status::OK;
}

void PostRecommendCalls(Worker& worker, RecommendBackend& backend) {
  using Method = UnaryMethod<RecommendRequest, RecommendResponse>;
  const Method& method = worker.Keep(Method{
      [service = &backend.service()](grpc::ServerContext* ctx, RecommendRequest* req,
                                     grpc::ServerAsyncResponseWriter<RecommendResponse>* writer,
                                     grpc::ServerCompletionQueue* cq, void* tag) {
        service->RequestRecommend(ctx, req, writer, cq, cq, tag);
      },
      [&backend](const RecommendRequest& req, RecommendResponse& resp) {
        return backend.Recommend(req, resp);
      }});
  SimpleUnaryCall<RecommendRequest, RecommendResponse>::Post(worker, method);
}

}  // namespace modelgate::tools
