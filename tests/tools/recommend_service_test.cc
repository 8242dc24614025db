// Tests of the fake model's modelgate.recommend.v1.Recommender: its flags, and the service
// through a real in-process FakeModelServer on 127.0.0.1 port 0, checked against the offline
// simulator's ranker (the two must serve identical lists for the same settings).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "modelgate/recommend/v1/recommend.grpc.pb.h"
#include "tools/clicksim/relevance.h"
#include "tools/common/flags.h"
#include "tools/fake_model/options.h"
#include "tools/fake_model/server.h"

namespace modelgate::tools {
namespace {

using modelgate::recommend::v1::Recommender;
using modelgate::recommend::v1::RecommendRequest;
using modelgate::recommend::v1::RecommendResponse;
using ::testing::HasSubstr;

absl::Status ParseFlags(std::vector<const char*> args, FakeModelOptions& options) {
  FlagSet flags("modelgate-fake-model", "usage");
  std::string error_code = "UNAVAILABLE";
  RegisterFakeModelFlags(flags, options, error_code);
  args.insert(args.begin(), "modelgate-fake-model");
  absl::Status parsed = flags.Parse(static_cast<int>(args.size()), args.data());
  if (!parsed.ok()) return parsed;
  return ValidateFakeModelOptions(options, error_code);
}

TEST(RecommendFlags, ParseIntoOptionsAndAreValidated) {
  FakeModelOptions o;
  ASSERT_TRUE(ParseFlags({"--recommend_items=50", "--recommend_world_seed=9",
                          "--recommend_noise=0.05", "--recommend_seed=4"},
                         o)
                  .ok());
  EXPECT_EQ(o.recommend_items, 50);
  EXPECT_EQ(o.recommend_world_seed, 9);
  EXPECT_EQ(o.recommend_noise, 0.05);
  EXPECT_EQ(o.recommend_seed, 4);

  FakeModelOptions bad;
  absl::Status s = ParseFlags({"--recommend_items=0"}, bad);
  EXPECT_THAT(s.message(), HasSubstr("--recommend_items"));
  FakeModelOptions noisy;
  s = ParseFlags({"--recommend_noise=-1"}, noisy);
  EXPECT_THAT(s.message(), HasSubstr("--recommend_noise"));
}

class RecommenderServer : public ::testing::Test {
 protected:
  void Start(const FakeModelOptions& options) {
    absl::StatusOr<std::unique_ptr<FakeModelServer>> server = FakeModelServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = Recommender::NewStub(channel_);
  }

  grpc::Status Recommend(const std::string& user, int n, RecommendResponse& response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    RecommendRequest request;
    request.set_user_id(user);
    request.set_n(n);
    return stub_->Recommend(&ctx, request, &response);
  }

  static FakeModelOptions Options() {
    FakeModelOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.name = "ranker-b";
    o.threads = 2;
    o.shutdown_grace_ms = 0;
    o.recommend_items = 500;
    o.recommend_world_seed = 3;
    o.recommend_noise = 0.2;
    o.recommend_seed = 8;
    return o;
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<FakeModelServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Recommender::Stub> stub_;
};

TEST_F(RecommenderServer, ServesTheSimulatorsRanking) {
  const FakeModelOptions o = Options();
  ASSERT_NO_FATAL_FAILURE(Start(o));
  clicksim::WorldOptions world_options;
  world_options.num_items = 500;
  world_options.seed = 3;
  const clicksim::World world(world_options);
  const clicksim::Ranker ranker(world, {0.2, 8});
  for (const std::string user : {"alice", "bob", "user-17", ""}) {
    RecommendResponse response;
    grpc::Status status = Recommend(user, 10, response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.model(), "ranker-b");
    const std::vector<clicksim::ScoredItem> expected = ranker.Recommend(user, 10);
    ASSERT_EQ(response.items_size(), 10);
    for (int k = 0; k < 10; ++k) {
      EXPECT_EQ(response.items(k).id(), clicksim::ItemId(expected[k].item)) << user << " " << k;
      EXPECT_EQ(response.items(k).score(), expected[k].score);
    }
    // Deterministic: asking again gives the same answer.
    RecommendResponse again;
    ASSERT_TRUE(Recommend(user, 10, again).ok());
    EXPECT_EQ(again.SerializeAsString(), response.SerializeAsString());
  }
}

TEST_F(RecommenderServer, RejectsNonPositiveNAndCapsLargeOnes) {
  ASSERT_NO_FATAL_FAILURE(Start(Options()));
  RecommendResponse response;
  grpc::Status status = Recommend("alice", 0, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("n must be positive"));
  EXPECT_EQ(Recommend("alice", -3, response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // 500 items in the world: asking for more returns them all, best first.
  ASSERT_TRUE(Recommend("alice", 800, response).ok());
  EXPECT_EQ(response.items_size(), 500);
  for (int k = 1; k < response.items_size(); ++k) {
    EXPECT_GE(response.items(k - 1).score(), response.items(k).score());
  }
}

TEST_F(RecommenderServer, CapsAtTheServiceLimit) {
  FakeModelOptions o = Options();
  o.recommend_items = 5000;
  ASSERT_NO_FATAL_FAILURE(Start(o));
  RecommendResponse response;
  ASSERT_TRUE(Recommend("alice", 100000, response).ok());
  EXPECT_EQ(response.items_size(), kMaxRecommendations);
}

TEST_F(RecommenderServer, AnotherRankerSeedServesADifferentList) {
  FakeModelOptions o = Options();
  o.recommend_seed = 9;
  ASSERT_NO_FATAL_FAILURE(Start(o));
  const clicksim::World world([] {
    clicksim::WorldOptions w;
    w.num_items = 500;
    w.seed = 3;
    return w;
  }());
  const clicksim::Ranker seed8(world, {0.2, 8});
  int differ = 0;
  for (int u = 0; u < 10; ++u) {
    RecommendResponse response;
    ASSERT_TRUE(Recommend("user-" + std::to_string(u), 10, response).ok());
    std::vector<std::string> served, other;
    for (const auto& item : response.items()) served.push_back(item.id());
    for (const auto& s : seed8.Recommend("user-" + std::to_string(u), 10)) {
      other.push_back(clicksim::ItemId(s.item));
    }
    differ += served != other;
  }
  EXPECT_GE(differ, 8);
}

}  // namespace
}  // namespace modelgate::tools
