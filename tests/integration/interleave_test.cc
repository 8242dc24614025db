// Interleaving through real processes: two modelgate-fake-model Recommenders of known quality
// (tools/clicksim: same simulated world, different ranking noise) behind an interleave route;
// simulated users (the cascade click model with heterogeneous activity and propensity) read the
// merged lists and report their clicks over the Feedback API on the proxy's port. A better
// ranker is detected with the right sign; two identical rankers show no preference beyond the
// test's alpha over 20 seeded experiments; a failed ranker leaves the user with the other's
// list; bad feedback gets a clear status and changes nothing.
#include <grpcpp/client_context.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "modelgate/feedback/v1/feedback.grpc.pb.h"
#include "modelgate/recommend/v1/recommend.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tools/clicksim/proxy_users.h"
#include "tools/clicksim/relevance.h"

namespace modelgate {
namespace {

using feedback::v1::Feedback;
using feedback::v1::RecordClicksRequest;
using feedback::v1::RecordClicksResponse;
using nlohmann::json;
using recommend::v1::Recommender;
using recommend::v1::RecommendRequest;
using recommend::v1::RecommendResponse;

constexpr uint64_t kWorldSeed = 7;
constexpr int kItems = 1000;
constexpr int kPage = 10;

// One ranker of the simulated world, served by a fake model and mirrored locally.
struct RankerFlags {
  double noise;
  uint64_t seed;
};

std::vector<std::string> Flags(RankerFlags r) {
  return {absl::StrCat("--recommend_items=", kItems),
          absl::StrCat("--recommend_world_seed=", kWorldSeed),
          absl::StrCat("--recommend_noise=", r.noise), absl::StrCat("--recommend_seed=", r.seed)};
}

// An interleave route; `headers` (YAML flow map, may be empty) narrows its match.
std::string Route(const std::string& name, const std::string& headers,
                  const std::string& a, const std::string& b) {
  return absl::StrCat("  - name: ", name, R"(
    match: {service: modelgate.recommend.v1.Recommender, method: Recommend)",
                      headers.empty() ? "" : absl::StrCat(", headers: ", headers), R"(}
    strategy: interleave
    interleave:
      rankers: [)", a, ", ", b, R"(]
      list: {payload: recommend}
      page_size: 10
      sticky_header: x-user-id
)");
}

// What the simulated users did on one route (tools/clicksim/proxy_users.h), with the outcome
// counts of the proxy's answers to their reports.
struct Traffic {
  int impressions = 0;
  int with_clicks = 0;
  int wins_a = 0, wins_b = 0, ties = 0;
};

// `users` seeded users on the route reached with `route_header` (may be empty); `a` and `b` are
// the route's rankers. Every page must be interleaved (both rankers are up).
Traffic Simulate(const testutil::Modelgate& mg, int users, uint64_t seed,
                 const std::string& user_prefix,
                 const std::pair<std::string, std::string>& route_header, const std::string& a,
                 const std::string& b) {
  clicksim::ProxyUsersOptions o;
  o.world = {kItems, kWorldSeed};
  o.users = users;
  o.page_size = kPage;
  o.seed = seed;
  o.user_prefix = user_prefix;
  o.route_header = route_header;
  auto r = clicksim::RunProxyUsers(mg.NewChannel(), o);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  EXPECT_EQ(r->unmixed, 0);
  Traffic t;
  t.impressions = static_cast<int>(r->impressions);
  t.with_clicks = static_cast<int>(r->with_clicks);
  for (const auto& [outcome, n] : r->outcomes) {
    if (outcome == "win:" + a) {
      t.wins_a = static_cast<int>(n);
    } else if (outcome == "win:" + b) {
      t.wins_b = static_cast<int>(n);
    } else {
      EXPECT_EQ(outcome, "tie");
      t.ties = static_cast<int>(n);
    }
  }
  return t;
}

// The route's first pair once its statistics include `with_clicks` impressions (the engine
// evaluates once a second).
json Pair(const testutil::Modelgate& mg, const std::string& route, int with_clicks) {
  json pair;
  testutil::PollUntil(
      [&] {
        auto r = mg.Get(absl::StrCat("/api/v1/routes/", route, "/interleave"));
        if (r.status != 200) return false;
        const json report = json::parse(r.body);
        if (report["pairs"].empty()) return false;
        pair = report["pairs"][0];
        return pair["wins_a"].get<int>() + pair["wins_b"].get<int>() + pair["ties"].get<int>() >=
               with_clicks;
      },
      std::chrono::seconds(20));
  return pair;
}

TEST(InterleaveEndToEnd, ABetterRankerIsPreferredWithTheRightSign) {
  testutil::TempDir dir;
  const RankerFlags legacy_flags{0.3, 1}, candidate_flags{0.05, 2};
  auto legacy = testutil::StartFakeModel("legacy", Flags(legacy_flags));
  auto candidate = testutil::StartFakeModel("candidate", Flags(candidate_flags));
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml",
      testutil::LoopbackConfig({{"legacy", legacy->address}, {"candidate", candidate->address}},
                               "routes:\n" + Route("rank", "", "legacy", "candidate"))));
  ASSERT_TRUE(mg.ok()) << mg.status();

  // Every merged page holds distinct items from the two rankers' own top pages.
  {
    const clicksim::World world({kItems, kWorldSeed});
    const clicksim::Ranker l(world, {legacy_flags.noise, legacy_flags.seed});
    const clicksim::Ranker c(world, {candidate_flags.noise, candidate_flags.seed});
    auto stub = Recommender::NewStub((*mg)->NewChannel());
    for (int u = 0; u < 20; ++u) {
      const std::string user = absl::StrCat("check-", u);
      absl::flat_hash_set<std::string> allowed, seen;
      for (const auto& s : l.Recommend(user, kPage)) allowed.insert(clicksim::ItemId(s.item));
      for (const auto& s : c.Recommend(user, kPage)) allowed.insert(clicksim::ItemId(s.item));
      grpc::ClientContext ctx;
      ctx.AddMetadata("x-user-id", user);
      RecommendRequest req;
      req.set_user_id(user);
      req.set_n(kPage);
      RecommendResponse resp;
      ASSERT_TRUE(Recommender::NewStub((*mg)->NewChannel())->Recommend(&ctx, req, &resp).ok());
      ASSERT_EQ(resp.items_size(), kPage);
      for (const auto& item : resp.items()) {
        EXPECT_TRUE(allowed.contains(item.id())) << user << " " << item.id();
        EXPECT_TRUE(seen.insert(item.id()).second) << "shown twice: " << item.id();
      }
    }
  }

  const Traffic t = Simulate(**mg, 400, 11, "user-", {}, "legacy", "candidate");
  ASSERT_GT(t.with_clicks, 300);
  const json pair = Pair(**mg, "rank", t.with_clicks);
  SCOPED_TRACE(pair.dump(1));
  std::printf("[ figures  ] better ranker: %d impressions, %d with clicks; legacy %d, candidate "
              "%d, ties %d; delta %.3f, always-valid p %.2g, sign-test p %.2g\n",
              t.impressions, t.with_clicks, t.wins_a, t.wins_b, t.ties,
              pair["delta"].get<double>(), pair["always_valid_p"].get<double>(),
              pair["sign_test_p"].get<double>());
  EXPECT_EQ(pair["a"], "legacy");
  EXPECT_EQ(pair["b"], "candidate");
  // The proxy counted exactly what the users were told.
  EXPECT_EQ(pair["wins_a"], t.wins_a);
  EXPECT_EQ(pair["wins_b"], t.wins_b);
  EXPECT_EQ(pair["ties"], t.ties);
  EXPECT_LT(pair["delta"].get<double>(), 0);  // negative: the pair's second ranker is preferred
  EXPECT_LT(pair["always_valid_p"].get<double>(), 0.01);
  EXPECT_EQ(pair["preferred"], "candidate");
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_impressions_total{route="rank"})"),
            t.impressions + 20);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_outcomes_total{outcome="candidate",pair="legacy:candidate",route="rank"})"),
            t.wins_b);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_feedback_total{result="recorded"})"),
            t.with_clicks);
  EXPECT_LT((*mg)->Metric(R"(modelgate_interleave_pvalue{pair="legacy:candidate",route="rank"})"),
            0.01);
  // The route's stats carry the same report.
  const json stats = json::parse((*mg)->Get("/api/v1/routes/rank/stats").body);
  EXPECT_EQ(stats["interleave"]["pairs"][0]["wins_b"], t.wins_b) << stats.dump(1);
}

TEST(InterleaveEndToEnd, IdenticalRankersShowNoPreferenceBeyondAlpha) {
  // 20 independent A/A experiments (one route each, selected by a header), in one proxy.
  constexpr int kExperiments = 20;
  testutil::TempDir dir;
  auto a = testutil::StartFakeModel("twin-a", Flags({0.2, 3}));
  auto b = testutil::StartFakeModel("twin-b", Flags({0.2, 3}));
  ASSERT_TRUE(a.ok() && b.ok());
  std::string routes = "routes:\n";
  for (int e = 0; e < kExperiments; ++e) {
    absl::StrAppend(&routes, Route(absl::StrCat("aa", e), absl::StrCat("{x-experiment: \"", e, "\"}"),
                                   "twin_a", "twin_b"));
  }
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", testutil::LoopbackConfig({{"twin_a", a->address}, {"twin_b", b->address}}, routes)));
  ASSERT_TRUE(mg.ok()) << mg.status();
  std::vector<Traffic> traffic(kExperiments);
  {
    // Two client threads, ten experiments each.
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {
      threads.emplace_back([&, w] {
        for (int e = w; e < kExperiments; e += 2) {
          traffic[e] = Simulate(**mg, 120, 1000 + e, absl::StrCat("aa", e, "-user-"),
                                {"x-experiment", absl::StrCat(e)}, "twin_a", "twin_b");
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  int rejections = 0;
  double mean_delta = 0;
  for (int e = 0; e < kExperiments; ++e) {
    const json pair = Pair(**mg, absl::StrCat("aa", e), traffic[e].with_clicks);
    SCOPED_TRACE(pair.dump(1));
    EXPECT_EQ(pair["wins_a"], traffic[e].wins_a);
    EXPECT_EQ(pair["wins_b"], traffic[e].wins_b);
    if (pair["always_valid_p"].get<double>() < 0.05) ++rejections;
    mean_delta += pair["delta"].get<double>() / kExperiments;
  }
  std::printf("[ figures  ] A/A: %d of %d experiments rejected at alpha 0.05 (always-valid p); "
              "mean delta %.4f\n",
              rejections, kExperiments, mean_delta);
  // At most alpha in expectation (1 of 20). The bound allows for chance: P(Binomial(20, 0.05)
  // >= 5) = 0.26%, and the always-valid p-value rejects less often than alpha.
  EXPECT_LE(rejections, 4);
  EXPECT_LT(std::abs(mean_delta), 0.03);
}

TEST(InterleaveEndToEnd, AFailedRankerLeavesTheOtherListUnmixedAndUncounted) {
  testutil::TempDir dir;
  const RankerFlags legacy_flags{0.3, 1};
  auto legacy = testutil::StartFakeModel("legacy", Flags(legacy_flags));
  auto candidate = testutil::StartFakeModel("candidate", Flags({0.05, 2}));
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml",
      testutil::LoopbackConfig({{"legacy", legacy->address}, {"candidate", candidate->address}},
                               "routes:\n" + Route("rank", "", "legacy", "candidate"))));
  ASSERT_TRUE(mg.ok()) << mg.status();
  candidate->process.Signal(SIGKILL);
  candidate->process.WaitExit(std::chrono::seconds(10));

  const clicksim::World world({kItems, kWorldSeed});
  const clicksim::Ranker l(world, {legacy_flags.noise, legacy_flags.seed});
  auto stub = Recommender::NewStub((*mg)->NewChannel());
  for (int u = 0; u < 10; ++u) {
    const std::string user = absl::StrCat("user-", u);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("x-user-id", user);
    RecommendRequest req;
    req.set_user_id(user);
    req.set_n(kPage);
    RecommendResponse resp;
    const grpc::Status s = stub->Recommend(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.model(), "legacy");
    const auto expected = l.Recommend(user, kPage);
    ASSERT_EQ(resp.items_size(), static_cast<int>(expected.size()));
    for (int k = 0; k < resp.items_size(); ++k) {
      EXPECT_EQ(resp.items(k).id(), clicksim::ItemId(expected[k].item)) << user << " " << k;
    }
    EXPECT_EQ(ctx.GetServerInitialMetadata().count("x-modelgate-impression"), 0u);
  }
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_unmerged_total{reason="leg_failed",route="rank"})"),
            10);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_impressions_total{route="rank"})"), 0);
}

TEST(InterleaveEndToEnd, BadFeedbackGetsAClearStatusAndChangesNothing) {
  testutil::TempDir dir;
  auto legacy = testutil::StartFakeModel("legacy", Flags({0.3, 1}));
  auto candidate = testutil::StartFakeModel("candidate", Flags({0.05, 2}));
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml",
      testutil::LoopbackConfig({{"legacy", legacy->address}, {"candidate", candidate->address}},
                               "routes:\n" + Route("rank", "", "legacy", "candidate"))));
  ASSERT_TRUE(mg.ok()) << mg.status();
  auto channel = (*mg)->NewChannel();
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-user-id", "u1");
  RecommendRequest req;
  req.set_user_id("u1");
  req.set_n(kPage);
  RecommendResponse resp;
  ASSERT_TRUE(Recommender::NewStub(channel)->Recommend(&ctx, req, &resp).ok());
  const auto& md = ctx.GetServerInitialMetadata();
  ASSERT_EQ(md.count("x-modelgate-impression"), 1u);
  const std::string impression(md.find("x-modelgate-impression")->second.data(),
                               md.find("x-modelgate-impression")->second.size());
  auto feedback = Feedback::NewStub(channel);
  auto record = [&](const std::string& id, std::vector<std::string> items,
                    RecordClicksResponse* out) {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    RecordClicksRequest r;
    r.set_impression_id(id);
    for (auto& i : items) r.add_item_ids(i);
    return feedback->RecordClicks(&c, r, out);
  };
  RecordClicksResponse out;
  grpc::Status s = record("0123456789abcdef0123456789abcdef", {resp.items(0).id()}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  s = record(impression, {"item-not-shown"}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("item-not-shown"), std::string::npos) << s.error_message();
  s = record("", {}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();

  // The same impression over HTTP on the admin port: errors, then a click, then the same click.
  auto post = [&](const std::string& body) {
    return (*mg)->PostJson("/api/v1/routes/rank/feedback", body);
  };
  EXPECT_EQ(post("{not json").status, 400);
  EXPECT_EQ(post(R"({"impression": 5})").status, 400);
  EXPECT_EQ(post(R"({"impression": "ffffffffffffffffffffffffffffffff", "clicks": []})").status,
            404);
  EXPECT_EQ((*mg)->PostJson("/api/v1/routes/nope/feedback",
                            json{{"impression", impression}, {"clicks", json::array()}}.dump())
                .status,
            404);
  const std::string click =
      json{{"impression", impression}, {"clicks", {resp.items(0).id()}}}.dump();
  auto first = post(click);
  ASSERT_EQ(first.status, 200) << first.body;
  const json answer = json::parse(first.body);
  EXPECT_EQ(answer["new_clicks"], 1) << first.body;
  EXPECT_TRUE(answer["outcome"] == "win:legacy" || answer["outcome"] == "win:candidate")
      << first.body;
  // Again over gRPC: idempotent, same outcome.
  s = record(impression, {resp.items(0).id()}, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.new_clicks(), 0);
  EXPECT_EQ(out.outcome(), answer["outcome"].get<std::string>());
  EXPECT_EQ(out.route(), "rank");
  const json pair = Pair(**mg, "rank", 1);
  EXPECT_EQ(pair["wins_a"].get<int>() + pair["wins_b"].get<int>() + pair["ties"].get<int>(), 1)
      << pair.dump(1);
  // Unknown impression (gRPC and HTTP) and unknown route; empty id and two bad bodies.
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_feedback_total{result="not_found"})"), 3);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_feedback_total{result="malformed"})"), 3);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_feedback_total{result="invalid_item"})"), 1);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_feedback_total{result="recorded"})"), 1);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_interleave_feedback_total{result="repeated"})"), 1);
}

}  // namespace
}  // namespace modelgate
