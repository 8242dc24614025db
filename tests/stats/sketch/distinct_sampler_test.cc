// Distinct sampling: exact while under capacity, bounded memory, duplicates never counted
// twice, and the sampled per-label counts stay proportional (chi-square) after level raises.
#include "stats/sketch/distinct_sampler.h"

#include <boost/math/distributions/chi_squared.hpp>

#include <cmath>
#include <iostream>

#include "common/random.h"
#include "common/stable_hash.h"
#include "gtest/gtest.h"

namespace modelgate::stats {
namespace {

TEST(DistinctSampler, ExactUnderCapacityAndIgnoresRepeats) {
  DistinctSampler s(2, 1000);
  for (int rep = 0; rep < 5; ++rep)
    for (int i = 0; i < 300; ++i) s.Add(StableHash64("u" + std::to_string(i)), i % 3 == 0 ? 0 : 1);
  auto c = s.Snapshot();
  EXPECT_EQ(c.level, 0);
  EXPECT_EQ(c.per_label[0], 100);
  EXPECT_EQ(c.per_label[1], 200);
}

TEST(DistinctSampler, RaisesLevelToStayWithinCapacity) {
  DistinctSampler s(1, 512);
  for (int i = 0; i < 100000; ++i) s.Add(StableHash64("k" + std::to_string(i)), 0);
  auto c = s.Snapshot();
  EXPECT_LE(c.per_label[0], 512);
  EXPECT_GE(c.level, 7);  // 100000 / 2^L <= 512 needs L >= 8 in expectation
  // The estimate n * 2^L is within a few standard errors of the truth.
  const double estimate = static_cast<double>(c.per_label[0]) * (1 << c.level);
  EXPECT_NEAR(estimate, 100000, 100000 * 0.25);
}

TEST(DistinctSampler, HeavyRepeatersDoNotSkewTheShares) {
  // Users assigned to arms by the high bits of their hash (as the A/B strategy does), with very
  // uneven request counts: the sampled distinct counts follow the 50/30/20 bucket shares.
  const uint64_t cum[] = {5000, 8000, 10000};
  auto arm_of = [&](uint64_t h) {
    const uint32_t b = BucketOf(h);
    return b < cum[0] ? 0 : b < cum[1] ? 1 : 2;
  };
  auto chi2_p = [](const double* counts) {
    const double p[] = {0.5, 0.3, 0.2};
    const double n = counts[0] + counts[1] + counts[2];
    double chi2 = 0;
    for (int a = 0; a < 3; ++a) chi2 += (counts[a] - n * p[a]) * (counts[a] - n * p[a]) / (n * p[a]);
    return boost::math::cdf(boost::math::complement(boost::math::chi_squared(2), chi2));
  };
  int rejections = 0, naive_rejections = 0;
  constexpr int kRuns = 200;
  for (int run = 0; run < kRuns; ++run) {
    DistinctSampler s(3, 2000);
    SplitMix64 rng(run + 1);
    double requests_per_arm[3] = {};
    for (int u = 0; u < 20000; ++u) {
      const uint64_t h = StableKeyHash("salt", std::to_string(run), "user-" + std::to_string(u));
      const int requests = 1 + static_cast<int>(rng.Below(50));
      for (int r = 0; r < requests; ++r) s.Add(h, arm_of(h));
      requests_per_arm[arm_of(h)] += requests;
    }
    auto c = s.Snapshot();
    ASSERT_LE(c.per_label[0] + c.per_label[1] + c.per_label[2], 2000);
    const double sampled[] = {double(c.per_label[0]), double(c.per_label[1]), double(c.per_label[2])};
    rejections += chi2_p(sampled) < 0.05;
    naive_rejections += chi2_p(requests_per_arm) < 0.05;
  }
  std::cout << "false SRM rate at 0.05: distinct users " << double(rejections) / kRuns
            << ", requests " << double(naive_rejections) / kRuns << "\n";
  // Under H0 about 5% of runs reject at 0.05: allow Monte-Carlo error (sd ~ 1.5%).
  EXPECT_LE(rejections, kRuns * 0.05 + 3 * std::sqrt(kRuns * 0.05 * 0.95));
  // Counting requests instead of users over-disperses the counts: far more false alarms.
  EXPECT_GT(naive_rejections, kRuns / 2);
}

}  // namespace
}  // namespace modelgate::stats

namespace modelgate::stats {
namespace {

TEST(DistinctSampler, ShardsMergeIntoOneSampleCountingEachKeyOnce) {
  DistinctSampler s(2, 1000, /*num_shards=*/3);
  // Every user is seen by every worker (its calls land on any of them).
  for (int shard = 0; shard < 3; ++shard) {
    for (int i = 0; i < 300; ++i) s.Add(shard, StableHash64("u" + std::to_string(i)), i % 2);
  }
  const DistinctSampler::Counts c = s.Snapshot();
  EXPECT_EQ(c.level, 0);
  EXPECT_EQ(c.per_label[0], 150);
  EXPECT_EQ(c.per_label[1], 150);
}

TEST(DistinctSampler, MergedSampleUsesTheHighestLevelOfAnyShard) {
  DistinctSampler s(1, 256, /*num_shards=*/2);
  for (int i = 0; i < 20000; ++i) s.Add(0, StableHash64("a" + std::to_string(i)), 0);
  for (int i = 0; i < 100; ++i) s.Add(1, StableHash64("b" + std::to_string(i)), 0);
  const DistinctSampler::Counts c = s.Snapshot();
  EXPECT_GT(c.level, 0);
  // Every key counted passes the merged level's filter: ~20100 / 2^level keys.
  const double expected = 20100.0 / static_cast<double>(uint64_t{1} << c.level);
  EXPECT_NEAR(static_cast<double>(c.per_label[0]), expected, 5 * std::sqrt(expected));
}

TEST(DistinctSampler, ResetStartsAFreshSample) {
  DistinctSampler s(2, 1000, 2);
  for (int i = 0; i < 100; ++i) s.Add(i % 2, StableHash64("u" + std::to_string(i)), 0);
  s.Reset();
  for (int i = 0; i < 10; ++i) s.Add(0, StableHash64("v" + std::to_string(i)), 1);
  const DistinctSampler::Counts c = s.Snapshot();
  EXPECT_EQ(c.per_label[0], 0);
  EXPECT_EQ(c.per_label[1], 10);
}

}  // namespace
}  // namespace modelgate::stats
