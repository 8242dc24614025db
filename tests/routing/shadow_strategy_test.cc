// Shadow sampling: the primary always answers; the sampled share of calls (of users, with a
// sticky header) gets copies; methods outside the list and unhealthy shadows get none.
#include "routing/strategies/shadow.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "routing/fake_headers.h"

namespace modelgate::routing {
namespace {

ShadowStrategy Make(double rate, std::string sticky = "", std::vector<std::string> methods = {},
                    std::vector<std::shared_ptr<BackendHealth>> health = {nullptr, nullptr}) {
  ShadowStrategy::Options o{"r", rate, std::move(sticky), "salt", std::move(methods)};
  return ShadowStrategy(std::move(o), {1, 2}, std::move(health));
}

TEST(ShadowStrategy, EveryCallIsMirroredAtRateOneAndThePrimaryAlwaysAnswers) {
  ShadowStrategy s = Make(1);
  SplitMix64 rng(1);
  for (int i = 0; i < 100; ++i) {
    RoutePlan p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
    EXPECT_EQ(p.primary, 0);
    ASSERT_EQ(p.shadows.size(), 2u);
    EXPECT_EQ(p.shadows[0], 1);
    EXPECT_EQ(p.shadows[1], 2);
    EXPECT_TRUE(p.fallbacks.empty());
    EXPECT_TRUE(p.merge.empty());
  }
}

TEST(ShadowStrategy, SamplesItsShareOfCallsAtRandom) {
  ShadowStrategy s = Make(0.1);
  SplitMix64 rng(7);
  int mirrored = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    RoutePlan p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
    EXPECT_EQ(p.primary, 0);
    mirrored += !p.shadows.empty();
  }
  // Binomial(20000, 0.1): sd = 42 calls; 5 sd.
  EXPECT_NEAR(mirrored, 2000, 5 * 42.4);
}

TEST(ShadowStrategy, WithAStickyHeaderTheSameUsersAreMirroredEveryTime) {
  ShadowStrategy s = Make(0.25, "x-user-id");
  SplitMix64 rng(3);
  int users_in = 0;
  for (int u = 0; u < 4000; ++u) {
    FakeHeaders h({{"x-user-id", "user-" + std::to_string(u)}});
    const bool first = !s.Plan(RequestInfo{"/a.B/C", &h}, rng).shadows.empty();
    users_in += first;
    for (int again = 0; again < 3; ++again) {
      RoutePlan p = s.Plan(RequestInfo{"/a.B/C", &h}, rng);
      ASSERT_EQ(!p.shadows.empty(), first) << "user " << u << " flipped";
      EXPECT_TRUE(p.keyed);
    }
  }
  // Binomial(4000, 0.25): sd = 27.4 users; 5 sd.
  EXPECT_NEAR(users_in, 1000, 5 * 27.4);
}

TEST(ShadowStrategy, OnlyListedMethodsAreMirrored) {
  ShadowStrategy s = Make(1, "", {"/inference.GRPCInferenceService/ModelInfer", "/x.Y/*"});
  SplitMix64 rng(1);
  EXPECT_FALSE(
      s.Plan(RequestInfo{"/inference.GRPCInferenceService/ModelInfer", nullptr}, rng)
          .shadows.empty());
  EXPECT_TRUE(s.Plan(RequestInfo{"/inference.GRPCInferenceService/ModelReady", nullptr}, rng)
                  .shadows.empty());
  EXPECT_FALSE(s.Plan(RequestInfo{"/x.Y/Anything", nullptr}, rng).shadows.empty());
  EXPECT_TRUE(s.Plan(RequestInfo{"/x.Yz/Anything", nullptr}, rng).shadows.empty());
}

TEST(ShadowStrategy, AnUnhealthyShadowGetsNoCopiesTheOthersStillDo) {
  auto sick = std::make_shared<BackendHealth>();
  sick->active_ok = false;
  ShadowStrategy s = Make(1, "", {}, {sick, std::make_shared<BackendHealth>()});
  SplitMix64 rng(1);
  RoutePlan p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  EXPECT_EQ(p.primary, 0);
  ASSERT_EQ(p.shadows.size(), 1u);
  EXPECT_EQ(p.shadows[0], 2);
  sick->active_ok = true;
  EXPECT_EQ(s.Plan(RequestInfo{"/a.B/C", nullptr}, rng).shadows.size(), 2u);
}

}  // namespace
}  // namespace modelgate::routing
