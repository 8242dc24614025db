// The canary cohort: its share of users and of random calls, a monotone ramp (a user in the
// canary stays in it as it grows), the fallback leg, and diversion to the legacy while the
// candidate is unhealthy.
#include "routing/strategies/canary.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "routing/fake_headers.h"

namespace modelgate::routing {
namespace {

RoutePlan PlanFor(const CanaryStrategy& s, const std::string& user, SplitMix64& rng) {
  FakeHeaders h({{"x-user-id", user}});
  return s.Plan(RequestInfo{"/a.B/C", &h}, rng);
}

TEST(CanaryStrategy, TheCohortIsItsShareOfUsersAndGrowsMonotonically) {
  auto health = std::make_shared<BackendHealth>();
  CanaryStrategy at5("r", 500, "x-user-id", "s", 0, health);
  CanaryStrategy at25("r", 2500, "x-user-id", "s", 0, health);
  SplitMix64 rng(1);
  int in5 = 0, in25 = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string user = "u" + std::to_string(i);
    const bool a = PlanFor(at5, user, rng).primary == CanaryStrategy::kCandidate;
    const bool b = PlanFor(at25, user, rng).primary == CanaryStrategy::kCandidate;
    in5 += a;
    in25 += b;
    ASSERT_TRUE(!a || b) << user << " was in the canary at 5% but not at 25%";
  }
  EXPECT_NEAR(in5 / 20000.0, 0.05, 0.006);
  EXPECT_NEAR(in25 / 20000.0, 0.25, 0.012);
}

TEST(CanaryStrategy, CallsWithoutTheKeyGetTheShareAtRandom) {
  CanaryStrategy s("r", 1000, "x-user-id", "s", 0, std::make_shared<BackendHealth>());
  SplitMix64 rng(7);
  int candidate = 0;
  for (int i = 0; i < 50000; ++i) {
    const RoutePlan p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
    EXPECT_FALSE(p.keyed);
    candidate += p.primary == CanaryStrategy::kCandidate;
  }
  EXPECT_NEAR(candidate / 50000.0, 0.10, 0.006);
}

TEST(CanaryStrategy, ZeroAndFullShares) {
  CanaryStrategy none("r", 0, "x-user-id", "s", 0, std::make_shared<BackendHealth>());
  CanaryStrategy all("r", 10000, "x-user-id", "s", 0, std::make_shared<BackendHealth>());
  SplitMix64 rng(3);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(PlanFor(none, "u" + std::to_string(i), rng).primary, CanaryStrategy::kLegacy);
    EXPECT_EQ(PlanFor(all, "u" + std::to_string(i), rng).primary, CanaryStrategy::kCandidate);
  }
}

TEST(CanaryStrategy, FallbackPlansSendTheCandidatesFailuresToTheLegacy) {
  const uint32_t codes = (1u << 14) | (1u << 13);
  CanaryStrategy s("r", 10000, "", "s", codes, std::make_shared<BackendHealth>());
  SplitMix64 rng(1);
  const RoutePlan p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  EXPECT_EQ(p.primary, CanaryStrategy::kCandidate);
  ASSERT_EQ(p.fallbacks.size(), 1u);
  EXPECT_EQ(p.fallbacks[0], CanaryStrategy::kLegacy);
  EXPECT_TRUE(p.FallsBackOn(14));
  EXPECT_FALSE(p.FallsBackOn(5));  // NOT_FOUND is the model's answer
  // Without fallback: one leg.
  CanaryStrategy plain("r", 10000, "", "s", 0, std::make_shared<BackendHealth>());
  EXPECT_TRUE(plain.Plan(RequestInfo{"/a.B/C", nullptr}, rng).single_leg());
}

TEST(CanaryStrategy, AnUnhealthyCandidatesCohortGoesToTheLegacyAndSaysSo) {
  auto health = std::make_shared<BackendHealth>();
  CanaryStrategy s("r", 10000, "", "s", 0, health);
  SplitMix64 rng(1);
  health->active_ok = false;
  RoutePlan p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  EXPECT_EQ(p.primary, CanaryStrategy::kLegacy);
  EXPECT_EQ(p.diverted_from, CanaryStrategy::kCandidate);
  health->active_ok = true;
  p = s.Plan(RequestInfo{"/a.B/C", nullptr}, rng);
  EXPECT_EQ(p.primary, CanaryStrategy::kCandidate);
  EXPECT_EQ(p.diverted_from, -1);
  // Passive signals: failures in a row, once the backend has a limit.
  health->unhealthy_after = 3;
  health->consecutive_failures = 3;
  EXPECT_EQ(s.Plan(RequestInfo{"/a.B/C", nullptr}, rng).primary, CanaryStrategy::kLegacy);
}

}  // namespace
}  // namespace modelgate::routing
