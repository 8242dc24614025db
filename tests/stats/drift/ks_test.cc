// KS statistic and null distributions checked without SciPy: the exact two-sample law against
// brute-force enumeration of every arrangement, the finite-n one-sample law against Monte Carlo
// and closed forms, and the limiting law against its textbook critical values.
#include "stats/drift/ks.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "stats/drift/kolmogorov.h"

namespace modelgate::stats {
namespace {

// D * n * m for the arrangement `is_x` (true = the next pooled value belongs to x).
int64_t StatisticNumerator(const std::vector<bool>& is_x, int64_t n, int64_t m) {
  int64_t i = 0, j = 0, best = 0;
  for (bool x : is_x) {
    (x ? i : j)++;
    best = std::max(best, std::abs(i * m - j * n));
  }
  return best;
}

TEST(KsExact, MatchesBruteForceEnumerationOfAllArrangements) {
  for (auto [n, m] : std::vector<std::pair<int, int>>{
           {1, 1}, {2, 3}, {4, 4}, {5, 3}, {7, 6}, {8, 8}, {10, 4}, {9, 7}}) {
    SCOPED_TRACE(::testing::Message() << "n=" << n << " m=" << m);
    // Every placement of n x's among n + m positions is equally likely under H0.
    std::vector<bool> is_x(n + m, false);
    std::fill(is_x.begin(), is_x.begin() + n, true);
    std::map<int64_t, int64_t> histogram;
    int64_t total = 0;
    do {
      ++histogram[StatisticNumerator(is_x, n, m)];
      ++total;
    } while (std::prev_permutation(is_x.begin(), is_x.end()));
    int64_t at_least = 0;
    for (auto it = histogram.rbegin(); it != histogram.rend(); ++it) {
      at_least += it->second;
      EXPECT_NEAR(KsTwoSampleExactSf(n, m, it->first), static_cast<double>(at_least) / total,
                  1e-14);
    }
  }
}

TEST(KsExact, EdgeCases) {
  EXPECT_EQ(KsTwoSampleExactSf(5, 7, 0), 1.0);
  // Complete separation: only the two extreme paths reach D = 1.
  EXPECT_NEAR(KsTwoSampleExactSf(12, 30, 12 * 30), 2.0 / 11058116888.0, 1e-22);
  EXPECT_TRUE(std::isnan(KsTwoSampleExactSf(0, 3, 1)));
}

TEST(KolmogorovFiniteN, ClosedFormsForOneObservation) {
  // D_1 = max(U, 1 - U): P(D_1 >= d) = 1 for d <= 1/2, 2(1 - d) above.
  EXPECT_EQ(KolmogorovSf(1, 0.3), 1.0);
  EXPECT_NEAR(KolmogorovSf(1, 0.7), 0.6, 1e-15);
  EXPECT_EQ(KolmogorovSf(10, 1.0), 0.0);
  EXPECT_EQ(KolmogorovSf(10, 0.0), 1.0);
  // One-sided: P(D_n^+ >= d) = (1 - d)^n for d close to 1 (only the j = 0 term).
  EXPECT_NEAR(SmirnovSf(5, 0.9), std::pow(0.1, 5), 1e-18);
}

TEST(KolmogorovFiniteN, AgreesWithMonteCarlo) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  constexpr int kN = 20, kReps = 40000;
  std::vector<double> d_values(kReps);
  std::vector<double> x(kN);
  for (double& d : d_values) {
    for (double& v : x) v = u(rng);
    std::sort(x.begin(), x.end());
    d = 0.0;
    for (int i = 0; i < kN; ++i) {
      d = std::max({d, (i + 1.0) / kN - x[i], x[i] - static_cast<double>(i) / kN});
    }
  }
  for (double d : {0.15, 0.2, 0.25, 0.3, 0.4}) {
    const double empirical =
        std::count_if(d_values.begin(), d_values.end(), [d](double v) { return v >= d; }) /
        static_cast<double>(kReps);
    const double p = KolmogorovSf(kN, d);
    EXPECT_NEAR(empirical, p, 4 * std::sqrt(p * (1 - p) / kReps) + 1e-4) << "d=" << d;
  }
}

TEST(KolmogorovLimit, MatchesTextbookCriticalValues) {
  // statistics.md: c(0.05) = 1.358, c(0.01) = 1.628 for the limiting law.
  EXPECT_NEAR(KolmogorovLimitSf(1.3581), 0.05, 1e-4);
  EXPECT_NEAR(KolmogorovLimitSf(1.6276), 0.01, 1e-4);
  EXPECT_EQ(KolmogorovLimitSf(0.0), 1.0);
  EXPECT_EQ(KolmogorovLimitSf(40.0), 0.0);
  // Both series agree where they meet.
  EXPECT_NEAR(KolmogorovLimitSf(1.0 - 1e-12), KolmogorovLimitSf(1.0), 1e-11);
}

TEST(KsTwoSample, StatisticIsSymmetricAndHandlesTies) {
  const std::vector<double> x = {1, 2, 2, 3, 5}, y = {2, 2, 4, 6};
  auto a = KsTwoSample(x, y, KsPValueMethod::kExact);
  auto b = KsTwoSample(y, x, KsPValueMethod::kExact);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->statistic, b->statistic);
  EXPECT_DOUBLE_EQ(a->pvalue, b->pvalue);
  // F - G at 1: 1/5; at 2: 3/5 - 2/4 = 0.1; at 3: 4/5 - 1/2 = 0.3; at 4: 0.8 - 0.75; ...
  EXPECT_DOUBLE_EQ(a->statistic, 0.3);
  EXPECT_EQ(a->statistic_numerator, 6);  // 0.3 * 5 * 4
}

TEST(KsTwoSample, AutoChoosesExactForSmallSamples) {
  const std::vector<double> x = {0.1, 0.5, 0.9}, y = {0.2, 0.3, 0.4, 0.6};
  auto r = KsTwoSample(x, y);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->method, KsPValueMethod::kExact);
  std::vector<double> big(3000, 0.0);
  for (size_t i = 0; i < big.size(); ++i) big[i] = std::sin(static_cast<double>(i));
  r = KsTwoSample(big, big);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->method, KsPValueMethod::kAsymptotic);  // 9e6 cells > kKsExactMaxCells
  EXPECT_EQ(r->statistic, 0.0);
  EXPECT_EQ(r->pvalue, 1.0);
}

TEST(KsTwoSample, RejectsEmptyAndNaNButAcceptsInfinity) {
  const std::vector<double> ok = {1, 2}, empty, with_nan = {1, NAN};
  EXPECT_FALSE(KsTwoSample(ok, empty).ok());
  EXPECT_FALSE(KsTwoSample(with_nan, ok).ok());
  auto r = KsTwoSample(std::vector<double>{-INFINITY, 0, INFINITY}, ok);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->statistic, 0.0);
}

}  // namespace
}  // namespace modelgate::stats
