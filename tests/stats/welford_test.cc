// Welford: streaming moments equal two-pass moments, stay accurate with a large offset, and
// merging any partition (Chan et al.) equals summarizing the whole stream.
#include "stats/welford.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate::stats {
namespace {

struct TwoPass {
  double mean;
  double variance;
};

TwoPass Exact(const std::vector<double>& v) {
  long double sum = 0;
  for (double x : v) sum += x;
  const long double mean = sum / v.size();
  long double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {static_cast<double>(mean), static_cast<double>(ss / (v.size() - 1))};
}

TEST(Welford, MatchesTwoPassMoments) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(0.0, 1.0);
  std::vector<double> v(10000);
  Welford w;
  for (double& x : v) {
    x = d(rng);
    w.Add(x);
  }
  const TwoPass e = Exact(v);
  EXPECT_EQ(w.count(), 10000);
  EXPECT_NEAR(w.mean(), e.mean, 1e-13 * e.mean);
  EXPECT_NEAR(w.variance(), e.variance, 1e-11 * e.variance);
  EXPECT_NEAR(w.population_variance(), e.variance * 9999 / 10000, 1e-11 * e.variance);
}

TEST(Welford, StaysAccurateWithLargeOffset) {
  // Latencies around 1e9 ns differing by a few ns: sum-of-squares would lose every digit.
  Welford w;
  for (double x : {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}) w.Add(x);
  EXPECT_DOUBLE_EQ(w.mean(), 1e9 + 10);
  EXPECT_NEAR(w.variance(), 30.0, 1e-6);
}

TEST(Welford, MergeOfAnyPartitionEqualsWhole) {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> d(100.0, 15.0);
  std::uniform_int_distribution<int> part(0, 6);
  Welford whole;
  std::vector<Welford> parts(7);  // some parts stay small or empty
  for (int i = 0; i < 5000; ++i) {
    const double x = d(rng);
    whole.Add(x);
    int p = part(rng);
    if (p == 6 && i > 3) p = 5;  // part 6 gets only a few values
    parts[p].Add(x);
  }
  parts.push_back(Welford());  // an empty part
  Welford merged;
  for (const Welford& p : parts) merged.Merge(p);
  EXPECT_EQ(merged.count(), whole.count());
  EXPECT_NEAR(merged.mean(), whole.mean(), 1e-12 * whole.mean());
  EXPECT_NEAR(merged.variance(), whole.variance(), 1e-10 * whole.variance());
}

TEST(Welford, SmallCountsNeverYieldNan) {
  Welford w;
  EXPECT_EQ(w.variance(), 0.0);
  EXPECT_EQ(w.population_variance(), 0.0);
  w.Add(3.0);
  EXPECT_EQ(w.mean(), 3.0);
  EXPECT_EQ(w.variance(), 0.0);
  w.Clear();
  EXPECT_EQ(w.count(), 0);
}

TEST(Welford, FromMomentsRoundTrips) {
  Welford w;
  for (double x : {1.0, 2.0, 6.0}) w.Add(x);
  const Welford copy = Welford::FromMoments(w.count(), w.mean(), w.m2());
  EXPECT_EQ(copy.count(), 3);
  EXPECT_DOUBLE_EQ(copy.mean(), 3.0);
  EXPECT_DOUBLE_EQ(copy.variance(), 7.0);
}

}  // namespace
}  // namespace modelgate::stats
