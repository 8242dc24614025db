// Seeded Monte-Carlo checks that the drift statistics behave as documented:
//  - with no drift, the mean PSI over many (reference, window) pairs matches the noise floor
//    (B-1)(1/n + 1/m) of statistics.md §4;
//  - with a 0.5 sigma shift, PSI > 0.1 and the KS p-value < 0.01 in >= 95% of windows;
//  - under H0 the KS p-values are calibrated: rejection rates at 0.01 / 0.05 / 0.10 match.
// Each test runs in well under a second.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "stats/drift/binned.h"
#include "stats/drift/bins.h"
#include "stats/drift/ks.h"
#include "stats/drift/monitor.h"
#include "stats/drift/reference.h"

namespace modelgate::stats {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'040);

std::vector<double> Normal(std::mt19937_64& rng, int n, double mean = 0.0) {
  std::normal_distribution<double> dist(mean, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

// PSI of a fresh window of m values against a fresh reference of n values, deciles of the
// reference as bins (exactly what DriftMonitor does).
double OnePsi(std::mt19937_64& rng, int n, int m, double shift) {
  const std::vector<double> ref_values = Normal(rng, n);
  auto ref = DriftReference::FromValues(ref_values, {.num_bins = 10, .sample_capacity = 1});
  const DriftBins& bins = (*ref)->bins();
  std::vector<int64_t> counts(bins.num_bins(), 0);
  std::vector<double> sums(bins.num_bins(), 0.0);
  for (double v : Normal(rng, m, shift)) ++counts[bins.Locate(v)];
  auto d = CompareBinned(bins, (*ref)->histogram(), {counts, sums, -10.0, 10.0});
  return d->psi;
}

TEST(DriftSimulation, PsiWithoutDriftMatchesItsNoiseFloor) {
  struct Case {
    int n, m;
  };
  std::mt19937_64 rng(20240601);
  for (const Case c : {Case{1000, 1000}, Case{5000, 500}, Case{2000, 4000}}) {
    constexpr int kReps = 400;
    double sum = 0.0, sum_sq = 0.0;
    for (int r = 0; r < kReps; ++r) {
      const double psi = OnePsi(rng, c.n, c.m, 0.0);
      sum += psi;
      sum_sq += psi * psi;
    }
    const double mean = sum / kReps;
    const double se = std::sqrt((sum_sq / kReps - mean * mean) / (kReps - 1));
    const double floor = 9.0 * (1.0 / c.n + 1.0 / c.m);
    std::printf("    n=%d m=%d: mean PSI %.5f +- %.5f (MC s.e.), (B-1)(1/n+1/m) = %.5f\n", c.n, c.m,
                mean, se, floor);
    // 4 s.e. of Monte-Carlo error; the formula is a first-order approximation, so also allow
    // 3% for its own bias at these sizes.
    EXPECT_NEAR(mean, floor, 4 * se + 0.03 * floor);
  }
}

TEST(DriftSimulation, HalfSigmaShiftIsDetectedInAlmostEveryWindow) {
  // A frozen reference of 5000 values; 200 windows of 1000 values shifted by 0.5 sigma, each
  // evaluated by a DriftMonitor (binned PSI, conservative binned KS p, exact-sample KS p).
  std::mt19937_64 rng(7);
  auto ref = DriftReference::FromValues(Normal(rng, 5000), {});
  ASSERT_TRUE(ref.ok());
  DriftMonitorOptions o;
  o.min_samples = 1000;
  o.window = {.sub_window = absl::Minutes(1), .num_sub_windows = 1, .sample_capacity = 1000};
  auto monitor = DriftMonitor::Create(*ref, o);
  ASSERT_TRUE(monitor.ok());
  constexpr int kWindows = 200;
  int psi_hits = 0, ks_binned_hits = 0, ks_sample_hits = 0;
  double min_psi = 1e9;
  for (int w = 0; w < kWindows; ++w) {
    const absl::Time t = kT0 + absl::Minutes(w);  // each window is its own sub-window
    for (double v : Normal(rng, 1000, 0.5)) (*monitor)->Record(v, t);
    const DriftReport r = (*monitor)->Evaluate(t, /*with_sample_ks=*/true);
    ASSERT_EQ(r.status, DriftStatus::kOk);
    ASSERT_EQ(r.current_count, 1000);
    psi_hits += r.psi > 0.1;
    ks_binned_hits += r.ks_pvalue_binned < 0.01;
    ks_sample_hits += r.ks_sample.has_value() && r.ks_sample->pvalue < 0.01;
    min_psi = std::min(min_psi, r.psi);
  }
  std::printf(
      "    0.5 sigma shift, %d windows: PSI>0.1 in %d (min %.3f), KS p<0.01 in %d "
      "(binned) / %d (exact on samples)\n",
      kWindows, psi_hits, min_psi, ks_binned_hits, ks_sample_hits);
  EXPECT_GE(psi_hits, 0.95 * kWindows);
  EXPECT_GE(ks_binned_hits, 0.95 * kWindows);
  EXPECT_GE(ks_sample_hits, 0.95 * kWindows);
}

// Rejection rate of the KS test under H0 at several levels, over `reps` pairs of samples.
struct Calibration {
  double at01 = 0, at05 = 0, at10 = 0;
};

Calibration RejectionRates(std::mt19937_64& rng, int n, int m, int reps, KsPValueMethod method) {
  Calibration c;
  for (int r = 0; r < reps; ++r) {
    auto ks = KsTwoSample(Normal(rng, n), Normal(rng, m), method);
    c.at01 += ks->pvalue <= 0.01;
    c.at05 += ks->pvalue <= 0.05;
    c.at10 += ks->pvalue <= 0.10;
  }
  c.at01 /= reps;
  c.at05 /= reps;
  c.at10 /= reps;
  return c;
}

// Upper limit for a rejection rate: the nominal level plus 4 binomial standard errors.
double Upper(double alpha, int reps) { return alpha + 4 * std::sqrt(alpha * (1 - alpha) / reps); }

TEST(DriftSimulation, KsAsymptoticPValueIsCalibratedUnderH0) {
  std::mt19937_64 rng(99);
  constexpr int kReps = 4000;
  for (KsPValueMethod method : {KsPValueMethod::kAsymptotic, KsPValueMethod::kStephens}) {
    const Calibration c = RejectionRates(rng, 400, 300, kReps, method);
    std::printf("    H0, n=400 m=300, %s: rejection rate %.4f @0.01, %.4f @0.05, %.4f @0.10\n",
                method == KsPValueMethod::kAsymptotic ? "SciPy-asymp" : "Stephens", c.at01, c.at05,
                c.at10);
    // KS on a discrete statistic is slightly conservative; the asymptotic p-values must be
    // neither inflated (upper limit) nor grossly conservative (lower limit, 0.8 * alpha).
    EXPECT_LE(c.at05, Upper(0.05, kReps));
    EXPECT_GE(c.at05, 0.8 * 0.05 - 4 * std::sqrt(0.05 * 0.95 / kReps));
    EXPECT_LE(c.at01, Upper(0.01, kReps));
    EXPECT_LE(c.at10, Upper(0.10, kReps));
    EXPECT_GE(c.at10, 0.8 * 0.10 - 4 * std::sqrt(0.10 * 0.90 / kReps));
  }
}

TEST(DriftSimulation, KsExactPValueNeverExceedsItsLevelUnderH0) {
  std::mt19937_64 rng(123);
  constexpr int kReps = 4000;
  const Calibration c = RejectionRates(rng, 40, 30, kReps, KsPValueMethod::kExact);
  std::printf("    H0, n=40 m=30, exact: rejection rate %.4f @0.01, %.4f @0.05, %.4f @0.10\n",
              c.at01, c.at05, c.at10);
  EXPECT_LE(c.at01, Upper(0.01, kReps));
  EXPECT_LE(c.at05, Upper(0.05, kReps));
  EXPECT_LE(c.at10, Upper(0.10, kReps));
  EXPECT_GE(c.at05, 0.5 * 0.05);  // discrete, so conservative — but not useless
}

}  // namespace
}  // namespace modelgate::stats
