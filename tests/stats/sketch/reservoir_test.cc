// Reservoir (Algorithm R): every stream position is kept with probability k/n (also when the
// random stream is shared with other reservoirs), merging gives a uniform sample of the union,
// the same seed reproduces the sample, and Add() never allocates.
#include "stats/sketch/reservoir.h"

#include <cmath>
#include <vector>

#include "common/random.h"
#include "gtest/gtest.h"
#include "stats/alloc_counter.h"

namespace modelgate::stats {
namespace {

TEST(Reservoir, KeepsEverythingUntilFull) {
  Reservoir<double> r(5, 1);
  for (int i = 0; i < 3; ++i) r.Add(i);
  EXPECT_EQ(r.sample().size(), 3u);
  EXPECT_EQ(r.seen(), 3);
}

// Chi-square over stream positions of how often each was kept, across many seeds. Under
// uniformity each count is Binomial(trials, k/n); the statistic has n-1 degrees of freedom
// (mean 49, sd ~9.9 for n = 50) and a bound of mean + 5 sd fails by chance ~1e-6.
void ExpectUniformInclusion(const std::vector<int>& kept, int trials, int k) {
  const double n = static_cast<double>(kept.size());
  const double expected = trials * k / n;
  double chi2 = 0;
  for (int c : kept) chi2 += (c - expected) * (c - expected) / expected;
  const double df = n - 1;
  EXPECT_LT(chi2, df + 5 * std::sqrt(2 * df)) << "chi-square " << chi2;
}

TEST(Reservoir, EveryPositionIsKeptWithEqualProbability) {
  const int n = 50, k = 10, trials = 20000;
  std::vector<int> kept(n, 0);
  for (int t = 0; t < trials; ++t) {
    Reservoir<int> r(k, 1000 + t);
    for (int i = 0; i < n; ++i) r.Add(i);
    ASSERT_EQ(r.sample().size(), static_cast<size_t>(k));
    for (int v : r.sample()) ++kept[v];
  }
  ExpectUniformInclusion(kept, trials, k);
}

TEST(Reservoir, SharedGeneratorKeepsTheFirstValuesUntilFullAndClearEmpties) {
  Reservoir<double> r(3, 0);
  SplitMix64 rng(1);
  r.Add(1, rng);
  r.Add(2, rng);
  EXPECT_EQ(r.sample().size(), 2u);
  r.Add(3, rng);
  for (int i = 4; i < 1000; ++i) r.Add(i, rng);
  EXPECT_EQ(r.sample().size(), 3u);
  EXPECT_EQ(r.seen(), 999);
  r.Clear();
  EXPECT_EQ(r.sample().size(), 0u);
  EXPECT_EQ(r.seen(), 0);
}

// 1000 items, capacity 10, 20000 runs on one shared generator: each item should be kept ~200
// times (binomial sd ~14.1). Every item within 5 sd, and a chi-square over all items near its df.
TEST(Reservoir, SharedGeneratorKeepsEveryItemWithEqualProbability) {
  constexpr int kItems = 1000, kCapacity = 10, kRuns = 20000;
  std::vector<int> kept(kItems, 0);
  SplitMix64 rng(2024);
  Reservoir<double> r(kCapacity, 0);
  for (int run = 0; run < kRuns; ++run) {
    r.Clear();
    for (int i = 0; i < kItems; ++i) r.Add(i, rng);
    for (double v : r.sample()) ++kept[static_cast<int>(v)];
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

TEST(Reservoir, MergeIsUniformOverTheUnion) {
  // Unequal streams: 40 items into one reservoir, 10 into the other; after the merge every one
  // of the 50 must be kept with probability k/50, whatever side it came from.
  const int k = 10, trials = 20000;
  std::vector<int> kept(50, 0);
  for (int t = 0; t < trials; ++t) {
    Reservoir<int> a(k, 7 + 2 * t), b(k, 8 + 2 * t);
    for (int i = 0; i < 40; ++i) a.Add(i);
    for (int i = 40; i < 50; ++i) b.Add(i);
    a.Merge(b);
    ASSERT_EQ(a.seen(), 50);
    ASSERT_EQ(a.sample().size(), static_cast<size_t>(k));
    for (int v : a.sample()) ++kept[v];
  }
  ExpectUniformInclusion(kept, trials, k);
}

TEST(Reservoir, SmallMergeKeepsEverything) {
  Reservoir<int> a(10, 1), b(10, 2);
  for (int i = 0; i < 4; ++i) a.Add(i);
  for (int i = 0; i < 5; ++i) b.Add(i);
  a.Merge(b);
  EXPECT_EQ(a.sample().size(), 9u);
  EXPECT_EQ(a.seen(), 9);
}

TEST(Reservoir, SameSeedSameSample) {
  Reservoir<int> a(20, 99), b(20, 99);
  for (int i = 0; i < 10000; ++i) {
    a.Add(i);
    b.Add(i);
  }
  EXPECT_EQ(std::vector<int>(a.sample().begin(), a.sample().end()),
            std::vector<int>(b.sample().begin(), b.sample().end()));
}

TEST(Reservoir, AddDoesNotAllocate) {
  Reservoir<double> r(1000, 5);
  const int64_t before = testing::HeapAllocations();
  for (int i = 0; i < 1000000; ++i) r.Add(i * 0.5);
  EXPECT_EQ(testing::HeapAllocations(), before);
  EXPECT_EQ(r.sample().size(), 1000u);
  r.Clear();
  EXPECT_EQ(r.seen(), 0);
  EXPECT_EQ(r.capacity(), 1000u);
}

}  // namespace
}  // namespace modelgate::stats
