// One interleaving route end to end, without sockets: merging two recommenders' lists into one
// response with an impression id, click feedback credited by team, the per-pair statistics and
// metrics; the engine's feedback entry points (by route, by gRPC message) and its reuse of a
// route across reloads.
#include "interleave/interleave_route.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "interleave/interleave_engine.h"
#include "modelgate/feedback/v1/feedback.pb.h"
#include "modelgate/recommend/v1/recommend.pb.h"
#include "prometheus/text_serializer.h"

namespace modelgate::interleave {
namespace {

using ::testing::HasSubstr;
using recommend::v1::RecommendResponse;

absl::Cord List(const std::string& model, const std::vector<std::string>& ids) {
  RecommendResponse r;
  r.set_model(model);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto* item = r.add_items();
    item->set_id(ids[i]);
    item->set_score(100.0 - static_cast<double>(i));
  }
  return absl::Cord(r.SerializeAsString());
}

InterleaveSpec Spec(int page_size = 4) {
  InterleaveSpec s;
  s.route = "rank";
  s.rankers = {"legacy", "candidate"};
  s.payload = "recommend";
  s.page_size = page_size;
  s.burn_in = 1;
  return s;
}

std::string Metrics(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

class InterleaveRouteTest : public ::testing::Test {
 protected:
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  InterleaveEngine engine_{registry_, InterleaveEngine::Options{.start_thread = false}};
  SplitMix64 rng_{42};

  std::shared_ptr<InterleaveRoute> Route(const InterleaveSpec& spec = Spec()) {
    auto r = engine_.ForRoute(spec, "backends");
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : nullptr;
  }

  // One merged response of legacy [a1..a4] and candidate [c1..c4]: its items and impression.
  std::pair<RecommendResponse, std::string> MergeOnce(InterleaveRoute& route,
                                                      uint64_t key_hash = 0) {
    const absl::Cord legacy = List("legacy-model", {"a1", "a2", "a3", "a4"});
    const absl::Cord candidate = List("candidate-model", {"c1", "c2", "c3", "c4"});
    auto merged = route.Merge({{0, &legacy}, {1, &candidate}}, key_hash, rng_);
    EXPECT_TRUE(merged.ok()) << merged.status();
    RecommendResponse out;
    EXPECT_TRUE(out.ParseFromString(std::string(merged->response)));
    EXPECT_EQ(merged->metadata.size(), 1u);
    EXPECT_EQ(merged->metadata[0].first, "x-modelgate-impression");
    return {out, merged->metadata[0].second};
  }
};

TEST_F(InterleaveRouteTest, MergesBothListsIntoOnePageWithAnImpression) {
  auto route = Route();
  auto [page, impression] = MergeOnce(*route);
  ASSERT_EQ(page.items_size(), 4);
  EXPECT_EQ(page.model(), "legacy-model");  // what is not an item comes from the first ranker
  int from_legacy = 0;
  for (const auto& item : page.items()) from_legacy += item.id()[0] == 'a';
  EXPECT_EQ(from_legacy, 2);  // team draft: two picks each on a page of four
  EXPECT_EQ(impression.size(), 32u);
  EXPECT_THAT(Metrics(*registry_),
              HasSubstr("modelgate_interleave_impressions_total{route=\"rank\"} 1"));
}

TEST_F(InterleaveRouteTest, ClicksAreCreditedByTeamAndRepeatsChangeNothing) {
  auto route = Route();
  auto [page, impression] = MergeOnce(*route);
  std::string candidate_item;
  for (const auto& item : page.items()) {
    if (item.id()[0] == 'c') candidate_item = item.id();
  }
  auto r = engine_.RecordClicks("rank", impression, {candidate_item});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->route, "rank");
  EXPECT_EQ(r->outcome, "win:candidate");
  EXPECT_EQ(r->new_clicks, 1);
  EXPECT_EQ(r->credits[0], std::make_pair(std::string("legacy"), 0));
  EXPECT_EQ(r->credits[1], std::make_pair(std::string("candidate"), 1));

  r = engine_.RecordClicks("rank", impression, {candidate_item});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->new_clicks, 0);
  EXPECT_EQ(r->outcome, "win:candidate");

  engine_.RunOnce();
  const std::string m = Metrics(*registry_);
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_outcomes_total{outcome=\"candidate\","
                           "pair=\"legacy:candidate\",route=\"rank\"} 1"));
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_outcomes_total{outcome=\"legacy\","
                           "pair=\"legacy:candidate\",route=\"rank\"} 0"));
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_feedback_total{result=\"recorded\"} 1"));
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_feedback_total{result=\"repeated\"} 1"));
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_delta{pair=\"legacy:candidate\",route=\"rank\"} "
                           "-0.5"));
  const nlohmann::json report = route->Report();
  EXPECT_EQ(report["pairs"][0]["wins_b"], 1);
  EXPECT_EQ(report["impressions"]["made"], 1);
}

TEST_F(InterleaveRouteTest, BadFeedbackIsRejectedAndCounted) {
  auto route = Route();
  auto [page, impression] = MergeOnce(*route);
  auto r = engine_.RecordClicks("rank", impression, {"not-shown"});
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  r = engine_.RecordClicks("rank", "0123456789abcdef0123456789abcdef", {});
  EXPECT_TRUE(absl::IsNotFound(r.status())) << r.status();
  r = engine_.RecordClicks("nope", impression, {});
  EXPECT_TRUE(absl::IsNotFound(r.status()));
  EXPECT_THAT(r.status().message(), HasSubstr("\"nope\""));
  // The rejected reports recorded nothing: a valid one is still the impression's first.
  r = engine_.RecordClicks("rank", impression, {page.items(0).id()});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->new_clicks, 1);
  const std::string m = Metrics(*registry_);
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_feedback_total{result=\"invalid_item\"} 1"));
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_feedback_total{result=\"not_found\"} 2"));
}

TEST_F(InterleaveRouteTest, GrpcFeedbackFindsTheRouteThatMadeTheImpression) {
  auto rank = Route();
  InterleaveSpec other = Spec();
  other.route = "other";
  auto second = Route(other);
  auto [page, impression] = MergeOnce(*rank);
  feedback::v1::RecordClicksRequest req;
  req.set_impression_id(impression);
  req.add_item_ids(page.items(0).id());
  auto bytes = engine_.RecordClicks(absl::Cord(req.SerializeAsString()));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  feedback::v1::RecordClicksResponse resp;
  ASSERT_TRUE(resp.ParseFromString(*bytes));
  EXPECT_EQ(resp.route(), "rank");
  EXPECT_EQ(resp.new_clicks(), 1);
  ASSERT_EQ(resp.credits_size(), 2);
  EXPECT_EQ(resp.credits(0).ranker(), "legacy");
  EXPECT_EQ(resp.credits(0).clicks() + resp.credits(1).clicks(), 1);

  EXPECT_TRUE(absl::IsInvalidArgument(engine_.RecordClicks(absl::Cord("\xff\xff")).status()));
}

TEST_F(InterleaveRouteTest, ARankerThatCannotBeDecodedFailsTheMergeAndIsCounted) {
  auto route = Route();
  const absl::Cord good = List("legacy-model", {"a1"});
  const absl::Cord garbage("\xff\xff\xff");
  auto merged = route->Merge({{0, &good}, {1, &garbage}}, 0, rng_);
  EXPECT_FALSE(merged.ok());
  EXPECT_THAT(merged.status().message(), HasSubstr("candidate"));
  route->Unmerged("merge_error");
  route->Unmerged("leg_failed");
  route->Unmerged("leg_failed");
  const std::string m = Metrics(*registry_);
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_unmerged_total{reason=\"leg_failed\","
                           "route=\"rank\"} 2"));
  EXPECT_THAT(m, HasSubstr("modelgate_interleave_impressions_total{route=\"rank\"} 0"));
}

TEST_F(InterleaveRouteTest, TheSameSettingsGetTheSameRouteBackAndItsSeriesGoWithIt) {
  auto first = Route();
  auto again = Route();
  EXPECT_EQ(first.get(), again.get());
  InterleaveSpec changed = Spec(/*page_size=*/6);
  auto fresh = Route(changed);
  EXPECT_NE(first.get(), fresh.get());
  EXPECT_EQ(engine_.Find("rank").get(), fresh.get());  // the newest
  first.reset();
  again.reset();
  fresh.reset();
  EXPECT_EQ(engine_.Find("rank"), nullptr);
  EXPECT_THAT(Metrics(*registry_), ::testing::Not(HasSubstr("route=\"rank\"")));
}

TEST_F(InterleaveRouteTest, AnIdenticalPairOfRankersShowsNoPreference) {
  // Both rankers return the same list: every item is shared, and credit goes to whichever team
  // picked it first, at random; over many impressions neither side is preferred.
  auto route = Route(Spec(/*page_size=*/2));
  const absl::Cord same = List("m", {"x", "y"});
  int wins[2] = {0, 0};
  for (int i = 0; i < 400; ++i) {
    auto merged = route->Merge({{0, &same}, {1, &same}}, 0, rng_);
    ASSERT_TRUE(merged.ok());
    auto r = engine_.RecordClicks("rank", merged->metadata[0].second, {"x"});
    ASSERT_TRUE(r.ok());
    ++wins[r->outcome == "win:legacy" ? 0 : 1];
  }
  // Binomial(400, 1/2): sd 10; 5 sd either way.
  EXPECT_NEAR(wins[0], 200, 50);
  engine_.RunOnce();
  const nlohmann::json pair = route->Report()["pairs"][0];
  EXPECT_EQ(pair["wins_a"].get<int>() + pair["wins_b"].get<int>(), 400);
  EXPECT_GT(pair["always_valid_p"].get<double>(), 0.001);
}

}  // namespace
}  // namespace modelgate::interleave
