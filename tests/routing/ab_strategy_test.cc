// A/B assignment: random splits match the weights, sticky keys are stable and pinned by golden
// buckets, weight changes between two arms only move users across their shared boundary.
#include "routing/strategies/ab.h"

#include <boost/math/distributions/binomial.hpp>
#include <string>
#include <vector>

#include "common/stable_hash.h"
#include "gtest/gtest.h"
#include "routing/fake_headers.h"

namespace modelgate::routing {
namespace {

// Two-sided 99.9% binomial interval for the count of an arm with probability p out of n.
std::pair<double, double> Interval999(int n, double p) {
  boost::math::binomial_distribution<> d(n, p);
  return {boost::math::quantile(d, 0.0005), boost::math::quantile(boost::math::complement(d, 0.0005))};
}

TEST(AbStrategy, RandomSplitOf100kDecisionsIsWithinBinomialInterval) {
  const std::vector<int64_t> weights = {70, 20, 10};
  AbStrategy ab("predict", weights, "", "salt");
  SplitMix64 rng(12345);
  constexpr int kN = 100000;
  std::vector<int> counts(3);
  for (int i = 0; i < kN; ++i) ++counts[ab.Plan(RequestInfo{"/a.B/C", nullptr}, rng).primary];
  for (int a = 0; a < 3; ++a) {
    auto [lo, hi] = Interval999(kN, weights[a] / 100.0);
    EXPECT_GE(counts[a], lo) << "arm " << a;
    EXPECT_LE(counts[a], hi) << "arm " << a;
  }
}

TEST(AbStrategy, StickySplitOf100kKeysIsWithinBinomialInterval) {
  AbStrategy ab("predict", {90, 10}, "x-user-id", "modelgate");
  SplitMix64 rng(1);
  constexpr int kN = 100000;
  int candidate = 0;
  FakeHeaders h;
  for (int i = 0; i < kN; ++i) {
    h.Set("x-user-id", "user-" + std::to_string(i));
    candidate += ab.Plan(RequestInfo{"/a.B/C", &h}, rng).primary;
  }
  auto [lo, hi] = Interval999(kN, 0.10);
  EXPECT_GE(candidate, lo);
  EXPECT_LE(candidate, hi);
}

TEST(AbStrategy, StickyKeyAlwaysGetsTheSameArmWhateverTheRandomSource) {
  AbStrategy ab("predict", {50, 50}, "x-user-id", "modelgate");
  FakeHeaders h{{"x-user-id", "alice"}};
  SplitMix64 first_rng(1);
  const int first = ab.Plan(RequestInfo{"/a.B/C", &h}, first_rng).primary;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SplitMix64 rng(seed);
    EXPECT_EQ(ab.Plan(RequestInfo{"/a.B/C", &h}, rng).primary, first);
  }
}

TEST(AbStrategy, GoldenBucketsPinTheArmOfKnownKeys) {
  // Buckets from the golden vectors in tests/common/stable_hash_test.cc: user-1 -> 2610,
  // user-2 -> 5681 (salt "modelgate", route "predict").
  AbStrategy ab("predict", {50, 50}, "x-user-id", "modelgate");
  EXPECT_EQ(ab.ArmForKey("user-1"), 0);  // 2610 < 5000
  EXPECT_EQ(ab.ArmForKey("user-2"), 1);  // 5681 >= 5000
  AbStrategy skewed("predict", {20, 80}, "x-user-id", "modelgate");
  EXPECT_EQ(skewed.ArmForKey("user-1"), 1);  // 2610 >= 2000
}

TEST(AbStrategy, BucketBoundariesFollowWeightsExactly) {
  AbStrategy ab("r", {1, 2, 1}, "k", "s");  // 2500 / 5000 / 2500 buckets
  EXPECT_EQ(ab.ArmForBucket(0), 0);
  EXPECT_EQ(ab.ArmForBucket(2499), 0);
  EXPECT_EQ(ab.ArmForBucket(2500), 1);
  EXPECT_EQ(ab.ArmForBucket(7499), 1);
  EXPECT_EQ(ab.ArmForBucket(7500), 2);
  EXPECT_EQ(ab.ArmForBucket(kBuckets - 1), 2);
  int counts[3] = {};
  for (uint32_t b = 0; b < kBuckets; ++b) ++counts[ab.ArmForBucket(b)];
  EXPECT_EQ(counts[0], 2500);
  EXPECT_EQ(counts[1], 5000);
  EXPECT_EQ(counts[2], 2500);
}

TEST(AbStrategy, ZeroWeightArmNeverChosen) {
  AbStrategy ab("r", {0, 5}, "k", "s");
  SplitMix64 rng(3);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(ab.Plan(RequestInfo{"/a.B/C", nullptr}, rng).primary, 1);
  for (uint32_t b = 0; b < kBuckets; ++b) ASSERT_EQ(ab.ArmForBucket(b), 1);
}

TEST(AbStrategy, GrowingTheSecondArmOnlyMovesUsersIntoIt) {
  AbStrategy before("predict", {90, 10}, "x-user-id", "s");
  AbStrategy after("predict", {80, 20}, "x-user-id", "s");
  int moved_in = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string key = "u" + std::to_string(i);
    const int a = before.ArmForKey(key), b = after.ArmForKey(key);
    if (a == 1) EXPECT_EQ(b, 1) << key << " left the candidate when it grew";
    moved_in += (a == 0 && b == 1);
  }
  EXPECT_GT(moved_in, 0);
}

TEST(AbStrategy, DifferentRoutesAssignIndependently) {
  AbStrategy r1("route-a", {50, 50}, "k", "s");
  AbStrategy r2("route-b", {50, 50}, "k", "s");
  int same = 0;
  constexpr int kN = 20000;
  for (int i = 0; i < kN; ++i) {
    const std::string key = "u" + std::to_string(i);
    same += r1.ArmForKey(key) == r2.ArmForKey(key);
  }
  auto [lo, hi] = Interval999(kN, 0.5);
  EXPECT_GE(same, lo);
  EXPECT_LE(same, hi);
}

TEST(AbStrategy, MissingStickyHeaderFallsBackToWeightedRandom) {
  AbStrategy ab("predict", {50, 50}, "x-user-id", "s");
  FakeHeaders none;
  SplitMix64 rng(5);
  int counts[2] = {};
  for (int i = 0; i < 10000; ++i) ++counts[ab.Plan(RequestInfo{"/a.B/C", &none}, rng).primary];
  EXPECT_GT(counts[0], 4500);
  EXPECT_GT(counts[1], 4500);
}

}  // namespace
}  // namespace modelgate::routing
