// Binned drift measures against their exact counterparts on raw samples: binned KS D is a lower
// bound of the exact D, the exact W1 lies in [binned W1, binned W1 + bound], and binned PSI / JS
// are the vector measures applied to the counts. Also the quantile bins themselves.
#include "stats/drift/binned.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "stats/drift/bins.h"
#include "stats/drift/distance.h"
#include "stats/drift/ks.h"

namespace modelgate::stats {
namespace {

struct Histogram {
  std::vector<int64_t> counts;
  std::vector<double> sums;
  double min = INFINITY, max = -INFINITY;
  BinnedCounts view() const { return {counts, sums, min, max}; }
};

Histogram Count(const DriftBins& bins, const std::vector<double>& values) {
  Histogram h;
  h.counts.assign(bins.num_bins(), 0);
  h.sums.assign(bins.num_bins(), 0.0);
  for (double v : values) {
    const int b = bins.Locate(v);
    ++h.counts[b];
    h.sums[b] += v - bins.Anchor(b);
    h.min = std::min(h.min, v);
    h.max = std::max(h.max, v);
  }
  return h;
}

std::vector<double> Normal(std::mt19937_64& rng, int n, double mean, double sd) {
  std::normal_distribution<double> dist(mean, sd);
  std::vector<double> out(n);
  for (double& v : out) v = dist(rng);
  return out;
}

TEST(DriftBins, DecilesSplitTheReferenceEvenly) {
  std::mt19937_64 rng(1);
  const std::vector<double> ref = Normal(rng, 10000, 0.0, 1.0);
  auto bins = DriftBins::FromQuantiles(ref, 10);
  ASSERT_TRUE(bins.ok());
  ASSERT_EQ(bins->num_bins(), 10);
  Histogram h = Count(*bins, ref);
  for (int64_t c : h.counts) EXPECT_NEAR(c, 1000, 1);
  // Open end bins: anything has a bin.
  EXPECT_EQ(bins->Locate(-1e300), 0);
  EXPECT_EQ(bins->Locate(1e300), 9);
  EXPECT_EQ(bins->Locate(-INFINITY), 0);
  EXPECT_EQ(bins->Locate(INFINITY), 9);
}

TEST(DriftBins, QuantilesMatchNumpyLinearInterpolation) {
  // numpy.quantile([1, 2, 3, 4, 10], [0.25, 0.5, 0.75]) == [2, 3, 4]; q = 0.2/0.4/... on 0..9.
  auto bins = DriftBins::FromQuantiles(std::vector<double>{10, 4, 3, 2, 1}, 4);
  ASSERT_TRUE(bins.ok());
  EXPECT_EQ(std::vector<double>(bins->edges().begin(), bins->edges().end()),
            (std::vector<double>{2, 3, 4}));
  std::vector<double> ten;
  for (int i = 0; i < 10; ++i) ten.push_back(i);
  bins = DriftBins::FromQuantiles(ten, 5);  // numpy: [1.8, 3.6, 5.4, 7.2]
  ASSERT_TRUE(bins.ok());
  ASSERT_EQ(bins->edges().size(), 4u);
  EXPECT_DOUBLE_EQ(bins->edges()[0], 1.8);
  EXPECT_DOUBLE_EQ(bins->edges()[3], 7.2);
}

TEST(DriftBins, TiesMergeBinsAndNonFiniteValuesAreIgnored) {
  // 70% zeros, 30% ones, plus NaN and inf that must not influence the edges.
  std::vector<double> v(70, 0.0);
  v.insert(v.end(), 30, 1.0);
  v.push_back(NAN);
  v.push_back(INFINITY);
  auto bins = DriftBins::FromQuantiles(v, 10);
  ASSERT_TRUE(bins.ok());
  EXPECT_LT(bins->num_bins(), 10);
  for (size_t i = 1; i < bins->edges().size(); ++i)
    EXPECT_LT(bins->edges()[i - 1], bins->edges()[i]);
  EXPECT_NE(bins->Locate(0.0), bins->Locate(1.0));
}

TEST(DriftBins, RejectsBadInput) {
  EXPECT_FALSE(DriftBins::FromQuantiles(std::vector<double>{1, 2, 3}, 1).ok());
  EXPECT_FALSE(DriftBins::FromQuantiles(std::vector<double>{NAN, INFINITY}, 10).ok());
  EXPECT_FALSE(DriftBins::FromEdges({}).ok());
  EXPECT_FALSE(DriftBins::FromEdges({1.0, 1.0}).ok());
  EXPECT_FALSE(DriftBins::FromEdges({0.0, NAN}).ok());
  EXPECT_TRUE(DriftBins::FromEdges({-1.0, 0.0, 2.5}).ok());
}

TEST(BinnedDrift, PsiAndJsAreTheVectorMeasuresOfTheCounts) {
  auto bins = DriftBins::FromEdges({0.0, 1.0, 2.0});
  ASSERT_TRUE(bins.ok());
  const std::vector<int64_t> a = {10, 0, 30, 60}, b = {25, 25, 25, 25};
  const std::vector<double> sums(4, 0.0);
  auto d = CompareBinned(*bins, {a, sums, -1.0, 3.0}, {b, sums, -1.0, 3.0});
  ASSERT_TRUE(d.ok()) << d.status();
  const std::vector<double> ad(a.begin(), a.end()), bd(b.begin(), b.end());
  EXPECT_DOUBLE_EQ(d->psi, *PopulationStabilityIndex(ad, bd));
  EXPECT_DOUBLE_EQ(d->js_distance, *JensenShannonDistance(ad, bd));
  EXPECT_EQ(d->n, 100);
  EXPECT_EQ(d->m, 100);
}

TEST(BinnedDrift, RejectsMismatchedOrEmptyHistograms) {
  auto bins = DriftBins::FromEdges({0.0});
  ASSERT_TRUE(bins.ok());
  const std::vector<int64_t> two = {1, 2}, three = {1, 2, 3}, empty = {0, 0};
  const std::vector<double> s2(2, 0.0), s3(3, 0.0);
  EXPECT_FALSE(CompareBinned(*bins, {two, s2}, {three, s3}).ok());
  EXPECT_FALSE(CompareBinned(*bins, {two, s2}, {empty, s2}).ok());
  EXPECT_FALSE(CompareBinned(*bins, {two, s2}, {two, s3}).ok());  // sums do not match
}

// Binned KS D <= exact D and binned W1 <= exact W1 <= binned W1 + bound, on varied data:
// shifts, scale changes, heavy ties, values far outside the reference range, few and many bins.
TEST(BinnedDrift, BinnedKsIsALowerBoundAndExactW1IsBracketed) {
  std::mt19937_64 rng(7);
  double worst_rel_err = 0.0, mean_rel_err = 0.0;
  int cases = 0;
  for (int num_bins : {4, 10, 50}) {
    for (int scenario = 0; scenario < 6; ++scenario) {
      std::vector<double> ref = Normal(rng, 3000, 0.0, 1.0);
      std::vector<double> cur;
      switch (scenario) {
        case 0:
          cur = Normal(rng, 2000, 0.0, 1.0);
          break;
        case 1:
          cur = Normal(rng, 2000, 0.5, 1.0);
          break;
        case 2:
          cur = Normal(rng, 1500, 0.0, 2.0);
          break;
        case 3:
          cur = Normal(rng, 800, 3.0, 0.5);
          break;  // mostly beyond the last edge
        case 4:   // ties on both sides
          for (double& v : ref) v = std::round(v * 2.0) / 2.0;
          cur = Normal(rng, 2500, 0.2, 1.0);
          for (double& v : cur) v = std::round(v * 2.0) / 2.0;
          break;
        case 5: {  // exponential vs normal
          std::exponential_distribution<double> e(1.0);
          for (int i = 0; i < 2000; ++i) cur.push_back(e(rng));
          break;
        }
      }
      auto bins = DriftBins::FromQuantiles(ref, num_bins);
      ASSERT_TRUE(bins.ok());
      const Histogram hr = Count(*bins, ref), hc = Count(*bins, cur);
      auto binned = CompareBinned(*bins, hr.view(), hc.view());
      ASSERT_TRUE(binned.ok()) << binned.status();
      auto exact_ks = KsTwoSample(ref, cur, KsPValueMethod::kAsymptotic);
      auto exact_w1 = Wasserstein1(ref, cur);
      ASSERT_TRUE(exact_ks.ok());
      ASSERT_TRUE(exact_w1.ok());
      SCOPED_TRACE(::testing::Message() << "bins " << num_bins << " scenario " << scenario);
      EXPECT_LE(binned->ks_statistic, exact_ks->statistic + 1e-12);
      EXPECT_GE(binned->ks_pvalue, exact_ks->pvalue - 1e-12);  // conservative
      const double tiny = 1e-9 * *exact_w1;
      EXPECT_LE(binned->w1, *exact_w1 + tiny);
      EXPECT_LE(*exact_w1, binned->w1 + binned->w1_error_bound + tiny);
      const double err = *exact_w1 - binned->w1;
      worst_rel_err = std::max(worst_rel_err, err / *exact_w1);
      mean_rel_err += err / *exact_w1;
      ++cases;
    }
  }
  std::printf("    binned W1 below exact by %.2f%% on average, %.2f%% at worst (%d cases)\n",
              100 * mean_rel_err / cases, 100 * worst_rel_err, cases);
}

TEST(BinnedDrift, FinerBinsApproachTheExactStatistics) {
  std::mt19937_64 rng(11);
  const std::vector<double> ref = Normal(rng, 5000, 0.0, 1.0);
  const std::vector<double> cur = Normal(rng, 5000, 0.3, 1.2);
  const double exact_d = KsTwoSample(ref, cur, KsPValueMethod::kAsymptotic)->statistic;
  const double exact_w1 = *Wasserstein1(ref, cur);
  auto bins = DriftBins::FromQuantiles(ref, 100);
  ASSERT_TRUE(bins.ok());
  auto d = CompareBinned(*bins, Count(*bins, ref).view(), Count(*bins, cur).view());
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->ks_statistic, exact_d, 0.01);
  EXPECT_NEAR(d->w1, exact_w1, 0.002 * exact_w1);
}

TEST(BinnedDrift, IdenticalHistogramsShowNoDrift) {
  auto bins = DriftBins::FromEdges({0.0, 1.0});
  ASSERT_TRUE(bins.ok());
  const std::vector<int64_t> c = {5, 90, 5};
  const std::vector<double> s = {-2.0, 40.0, 6.0};
  auto d = CompareBinned(*bins, {c, s, -2.0, 3.0}, {c, s, -2.0, 3.0});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->psi, 0.0);
  EXPECT_EQ(d->js_distance, 0.0);
  EXPECT_EQ(d->ks_statistic, 0.0);
  EXPECT_EQ(d->ks_pvalue, 1.0);
  EXPECT_EQ(d->w1, 0.0);
}

// A pure location shift keeps F - G of one sign everywhere: the per-bin integrals are then exact
// and so is the binned W1, whatever the bin widths.
TEST(BinnedDrift, W1IsExactForAPureShift) {
  std::mt19937_64 rng(3);
  const std::vector<double> ref = Normal(rng, 4000, 0.0, 1.0);
  std::vector<double> cur = ref;
  for (double& v : cur) v += 0.7;
  auto bins = DriftBins::FromQuantiles(ref, 10);
  ASSERT_TRUE(bins.ok());
  auto d = CompareBinned(*bins, Count(*bins, ref).view(), Count(*bins, cur).view());
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->w1, 0.7, 1e-9);
  EXPECT_NEAR(*Wasserstein1(ref, cur), 0.7, 1e-9);
}

}  // namespace
}  // namespace modelgate::stats
