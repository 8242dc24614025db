// DriftReservoir (Algorithm R): bounded, and every item of the stream equally likely to be kept.
#include "stats/drift_reservoir.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate::stats {
namespace {

TEST(DriftReservoir, KeepsTheFirstValuesUntilFull) {
  DriftReservoir r(3);
  SplitMix64 rng(1);
  r.Offer(1, rng);
  r.Offer(2, rng);
  EXPECT_EQ(r.values().size(), 2u);
  r.Offer(3, rng);
  for (int i = 4; i < 1000; ++i) r.Offer(i, rng);
  EXPECT_EQ(r.values().size(), 3u);
  EXPECT_EQ(r.seen(), 999);
  r.Clear();
  EXPECT_EQ(r.values().size(), 0u);
  EXPECT_EQ(r.seen(), 0);
}

// 1000 items, capacity 10, 20000 seeded runs: each item should be kept ~200 times
// (binomial sd ~14.1). Every item within 5 sd, and a chi-square over all items near its df.
TEST(DriftReservoir, EveryItemIsEquallyLikelyToBeKept) {
  constexpr int kItems = 1000, kCapacity = 10, kRuns = 20000;
  std::vector<int> kept(kItems, 0);
  SplitMix64 rng(2024);
  DriftReservoir r(kCapacity);
  for (int run = 0; run < kRuns; ++run) {
    r.Clear();
    for (int i = 0; i < kItems; ++i) r.Offer(i, rng);
    for (double v : r.values()) ++kept[static_cast<int>(v)];
  }
  const double expected = static_cast<double>(kRuns) * kCapacity / kItems;  // 200
  const double sd = std::sqrt(expected * (1.0 - static_cast<double>(kCapacity) / kItems));
  double chi2 = 0.0;
  for (int c : kept) {
    EXPECT_NEAR(c, expected, 5 * sd);
    chi2 += (c - expected) * (c - expected) / (sd * sd);
  }
  // chi2 ~ 999 df: mean 999, sd ~45; allow 5 sd.
  EXPECT_NEAR(chi2, kItems - 1, 5 * std::sqrt(2.0 * (kItems - 1)));
}

}  // namespace
}  // namespace modelgate::stats
