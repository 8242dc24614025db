// The interleave block: every setting read, defaults, the arms it makes, the run-time spec, and
// every mistake reported at its file:line:column.
#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strategies/route_config.h"
#include "strategies/interleave.h"

namespace modelgate::strategies {
namespace {

using ::testing::ElementsAre;

// The test's block after the shared head (route_config.h); line numbers in the errors below
// count from there.
config::LoadResult Parse(const std::string& block) {
  return config_testing::ParseRoute({"legacy", "candidate", "third"}, "rank", "interleave", block);
}

TEST(InterleaveConfig, ReadsEverySetting) {
  config::LoadResult r = Parse(
      "    interleave:\n"
      "      rankers: [legacy, candidate, third]\n"
      "      method: team_draft\n"
      "      list: {payload: inference_v2, items_tensor: item_ids, aligned_tensors: [scores]}\n"
      "      page_size: 12\n"
      "      impression_ttl_seconds: 30\n"
      "      max_impressions: 500\n"
      "      sticky_header: x-user-id\n"
      "      salt: rank-1\n"
      "      statistics: {alpha: 0.01, tau: 0.05, burn_in: 20}\n"
      "    monitor: {latency_tolerance: 0.4}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const config::Route& route = r.config.routes[0];
  const InterleaveBlock& b = route.block_as<InterleaveBlock>();
  EXPECT_THAT(b.rankers, ElementsAre("legacy", "candidate", "third"));
  EXPECT_EQ(b.payload, "inference_v2");
  EXPECT_EQ(b.items_tensor, "item_ids");
  EXPECT_THAT(b.aligned_tensors, ElementsAre("scores"));
  EXPECT_EQ(b.page_size, 12);
  EXPECT_EQ(b.impression_ttl_seconds, 30);
  EXPECT_EQ(b.max_impressions, 500);
  EXPECT_EQ(b.sticky, "x-user-id");
  EXPECT_EQ(b.salt, "rank-1");
  EXPECT_EQ(b.alpha, 0.01);
  EXPECT_EQ(b.tau, 0.05);
  EXPECT_EQ(b.burn_in, 20);
  // Arms: the rankers in order, the first the reference; nothing is split.
  ASSERT_EQ(route.arms.size(), 3u);
  EXPECT_EQ(route.arms[0].role, ArmRole::kReference);
  EXPECT_EQ(route.arms[1].role, ArmRole::kCandidate);
  EXPECT_EQ(route.arms[2].role, ArmRole::kCandidate);
  for (const config::RouteArm& a : route.arms) EXPECT_EQ(a.weight, 0);
  EXPECT_TRUE(route.monitor.enabled);

  const interleave::InterleaveSpec spec = InterleaveSpecOf(route);
  EXPECT_EQ(spec.route, "rank");
  EXPECT_THAT(spec.rankers, ElementsAre("legacy", "candidate", "third"));
  EXPECT_EQ(spec.page_size, 12);
  EXPECT_TRUE(spec.sticky);
  EXPECT_EQ(spec.max_impressions, 500);
  EXPECT_EQ(spec.alpha, 0.01);
}

TEST(InterleaveConfig, DefaultsAndTheRecommenderList) {
  config::LoadResult r = Parse(
      "    interleave: {rankers: [legacy, candidate], list: {payload: recommend}}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const InterleaveBlock& b = r.config.routes[0].block_as<InterleaveBlock>();
  EXPECT_EQ(b.payload, "recommend");
  EXPECT_EQ(b.page_size, 10);
  EXPECT_EQ(b.impression_ttl_seconds, 600);
  EXPECT_EQ(b.max_impressions, 100000);
  EXPECT_EQ(b.alpha, 0.05);
  EXPECT_FALSE(InterleaveSpecOf(r.config.routes[0]).sticky);
  EXPECT_FALSE(r.config.routes[0].monitor.enabled);
}

TEST(InterleaveConfig, ExperimentKeyFollowsWhatChangesTheExperiment) {
  auto key = [](const std::string& block) {
    config::LoadResult r = Parse(block);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.errors[0]);
    return r.ok() ? r.config.routes[0].block->ExperimentKey() : "";
  };
  const std::string base = key(
      "    interleave: {rankers: [legacy, candidate], list: {payload: recommend}}\n");
  EXPECT_EQ(base, key("    interleave: {rankers: [legacy, candidate], list: {payload: "
                      "recommend}, max_impressions: 7}\n"));
  EXPECT_NE(base, key("    interleave: {rankers: [candidate, legacy], list: {payload: "
                      "recommend}}\n"));
  EXPECT_NE(base, key("    interleave: {rankers: [legacy, candidate], list: {payload: "
                      "recommend}, page_size: 5}\n"));
}

TEST(InterleaveConfig, RejectsMistakesAtTheirPositions) {
  config::LoadResult r = Parse(
      "    interleave:\n"                                           // 11
      "      rankers: [legacy, legacy, nope]\n"                     // 12
      "      method: balanced\n"                                    // 13
      "      list: {payload: inference_v2, aligned_tensors: [s, s]}\n"  // 14
      "      page_size: 0\n"                                        // 15
      "      impression_ttl_seconds: 0\n"                           // 16
      "      max_impressions: 0\n"                                  // 17
      "      statistics: {alpha: 0.5, tau: 0, burn_in: 0}\n"        // 18
      "      extra: 1\n");                                          // 19
  EXPECT_THAT(
      r.errors,
      ElementsAre(
          R"(c.yaml:12:25: routes[0].interleave.rankers[1]: "legacy" is listed twice)",
          R"(c.yaml:12:33: routes[0].interleave.rankers[2]: undefined backend "nope" (defined: legacy, candidate, third))",
          R"(c.yaml:13:15: routes[0].interleave.method: must be one of team_draft (got "balanced"))",
          "c.yaml:14:13: routes[0].interleave.list.items_tensor: required with payload: "
          "inference_v2 (the output tensor holding the item ids)",
          R"(c.yaml:14:58: routes[0].interleave.list.aligned_tensors[1]: "s" is listed twice)",
          "c.yaml:15:18: routes[0].interleave.page_size: must be >= 1 (got 0)",
          "c.yaml:16:31: routes[0].interleave.impression_ttl_seconds: must be in [1, 604800] "
          "(got 0)",
          "c.yaml:17:24: routes[0].interleave.max_impressions: must be >= 1 (got 0)",
          "c.yaml:18:27: routes[0].interleave.statistics.alpha: must be in (0, 0.5) (got 0.5)",
          "c.yaml:18:37: routes[0].interleave.statistics.tau: must be in (0, 0.5]: the scale of "
          "preference effects (got 0)",
          "c.yaml:18:49: routes[0].interleave.statistics.burn_in: must be >= 1 (got 0)",
          R"(c.yaml:19:7: routes[0].interleave.extra: unknown key "extra" (expected one of: rankers, method, list, page_size, impression_ttl_seconds, max_impressions, sticky_header, salt, statistics))"));
}

TEST(InterleaveConfig, RecommenderListTakesNoTensorsAndInferenceNeedsOne) {
  config::LoadResult r = Parse(
      "    interleave:\n"                                                         // 11
      "      rankers: [legacy]\n"                                                 // 12
      "      list: {payload: recommend, items_tensor: ids, aligned_tensors: []}\n");  // 13
  EXPECT_THAT(
      r.errors,
      ElementsAre("c.yaml:12:16: routes[0].interleave.rankers: must list at least two backends "
                  "to compare (got 1)",
                  "c.yaml:13:34: routes[0].interleave.list.items_tensor: only used with payload: "
                  "inference_v2 (the recommender's items are its list)",
                  "c.yaml:13:53: routes[0].interleave.list.aligned_tensors: only used with "
                  "payload: inference_v2 (the recommender's items are its list)"));
}

TEST(InterleaveConfig, NeedsAUnaryMethod) {
  config::LoadResult r = config::ParseConfig(
      "c.yaml",
      "listen: 127.0.0.1:8500\n"
      "admin: {listen: 127.0.0.1:9901}\n"
      "backends: [{name: a, address: 127.0.0.1:9001}, {name: b, address: 127.0.0.1:9002}]\n"
      "routes:\n"
      "  - name: stream\n"
      "    match: {service: inference.GRPCInferenceService, method: ModelStreamInfer}\n"
      "    strategy: interleave\n"
      "    interleave: {rankers: [a, b], list: {payload: recommend}}\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("routes[0].interleave: needs whole messages"));
}

}  // namespace
}  // namespace modelgate::strategies
