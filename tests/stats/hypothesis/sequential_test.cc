// mSPRT: the closed-form mixture likelihood ratio agrees with numerical integration (SciPy
// quad), the always-valid p-value is monotone and dual to the confidence sequence, burn-in is
// respected, and, by simulation, continuous monitoring keeps the false-positive rate at or below
// alpha while a naive t-test / z-test peeked after every observation does not.
#include "stats/hypothesis/sequential.h"

#include <cmath>
#include <iostream>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "stats/hypothesis/golden_core.h"
#include "stats/hypothesis/two_sample.h"

namespace modelgate::stats {
namespace {

using ::modelgate::stats::testing::Agreement;
using ::modelgate::stats::testing::GoldenCore;

Msprt MakeMsprt(double tau, int64_t burn_in = 100, double alpha = 0.05) {
  MsprtOptions o;
  o.tau = tau;
  o.burn_in = burn_in;
  o.alpha = alpha;
  absl::StatusOr<Msprt> m = Msprt::Create(o);
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

TEST(Msprt, ClosedFormMatchesNumericalIntegrationOfTheMixture) {
  const auto& cases = GoldenCore()["msprt_lambda"];
  ASSERT_GE(cases.size(), 40u);
  Agreement agree("msprt_lambda");
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string where = "msprt case " + std::to_string(i);
    const double log_lambda =
        MixtureLogLikelihoodRatio(c["estimate"], c["variance"], c["tau"], c["theta0"]);
    agree.Check("lambda", std::exp(log_lambda), std::exp(c["log_lambda"].get<double>()), where);
    agree.Check("log_lambda", log_lambda, c["log_lambda"], where);
  }
}

TEST(Msprt, EqualArmsReduceToThePerPairFormula) {
  // statistics.md: Lambda_n = sqrt(s2/(s2 + n tau^2)) exp(n^2 tau^2 zbar^2 / (2 s2 (s2 + n tau^2)))
  // with s2 = sigma_z^2 = var_x + var_y.
  const double s2 = 2.0, tau = 0.1;
  for (int n : {100, 1000, 5000}) {
    for (double zbar : {0.0, 0.05, 0.2}) {
      const double per_pair = 0.5 * std::log(s2 / (s2 + n * tau * tau)) +
                              n * n * tau * tau * zbar * zbar / (2 * s2 * (s2 + n * tau * tau));
      EXPECT_NEAR(MixtureLogLikelihoodRatio(zbar, s2 / n, tau, 0.0), per_pair, 1e-12);
    }
  }
}

TEST(Msprt, NothingIsDecidedBeforeBurnIn) {
  Msprt m = MakeMsprt(0.1, 100);
  Welford x, y;
  for (int i = 0; i < 99; ++i) {
    x.Add(10.0 + i % 3);  // a huge effect
    y.Add(0.0 + i % 2);
    const MsprtState& s = m.UpdateMeans(x, y);
    EXPECT_FALSE(s.burned_in);
    EXPECT_FALSE(s.updated);
    EXPECT_EQ(s.p_value, 1.0);
    EXPECT_FALSE(s.reject);
  }
  x.Add(10.0);
  y.Add(0.0);
  const MsprtState& s = m.UpdateMeans(x, y);
  EXPECT_TRUE(s.burned_in && s.updated && s.reject);
  EXPECT_EQ(s.n_x, 100);
  EXPECT_LT(s.p_value, 1e-10);
}

TEST(Msprt, PValueIsMonotoneAndRejectsExactlyWhenIntervalExcludesNull) {
  std::mt19937_64 rng(8);
  std::normal_distribution<double> noise(0.0, 1.0);
  Msprt m = MakeMsprt(0.2, 20);
  Welford x, y;
  double last_p = 1.0, last_low = -INFINITY, last_high = INFINITY;
  bool saw_reject = false;
  for (int i = 0; i < 3000; ++i) {
    x.Add(0.2 + noise(rng));
    y.Add(noise(rng));
    const MsprtState& s = m.UpdateMeans(x, y);
    ASSERT_LE(s.p_value, last_p);
    last_p = s.p_value;
    if (!s.has_interval) continue;
    ASSERT_GE(s.cs_low, last_low);  // running intersection: nested intervals
    ASSERT_LE(s.cs_high, last_high);
    last_low = s.cs_low;
    last_high = s.cs_high;
    const bool excludes_null = s.cs_low > 0.0 || s.cs_high < 0.0;
    // Equal up to rounding at the boundary itself.
    if (std::abs(std::log(s.p_value / 0.05)) > 1e-9) {
      ASSERT_EQ(s.reject, excludes_null) << i;
    }
    saw_reject |= s.reject;
  }
  EXPECT_TRUE(saw_reject);
  EXPECT_LT(last_low, 0.2);  // and the true difference is still covered
  EXPECT_GT(last_high, 0.2);
}

TEST(Msprt, ZeroVarianceCarriesNoEvidence) {
  Msprt m = MakeMsprt(0.05, 10);
  absl::StatusOr<MsprtState> s = m.UpdateProportions(0, 500, 0, 500);  // no errors seen yet
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->burned_in);
  EXPECT_FALSE(s->updated);
  EXPECT_EQ(s->p_value, 1.0);
  EXPECT_TRUE(std::isfinite(s->log_lambda));
  EXPECT_FALSE(m.UpdateProportions(6, 5, 0, 5).ok());
  EXPECT_FALSE(m.UpdateProportions(-1, 5, 0, 5).ok());
}

TEST(Msprt, RejectsInvalidOptions) {
  MsprtOptions o;
  EXPECT_FALSE(Msprt::Create(o).ok());  // tau is required
  o.tau = 0.1;
  EXPECT_TRUE(Msprt::Create(o).ok());
  o.alpha = 1.0;
  EXPECT_FALSE(Msprt::Create(o).ok());
  o.alpha = 0.05;
  o.burn_in = -1;
  EXPECT_FALSE(Msprt::Create(o).ok());
  o.burn_in = 0;
  o.theta0 = NAN;
  EXPECT_FALSE(Msprt::Create(o).ok());
}

// --- Simulations ------------------------------------------------------------------------------
// 1,000 experiments each; every experiment is checked after every observation pair up to the
// horizon. Under A/A the mSPRT's rejection rate must stay within alpha plus 3 Monte-Carlo
// standard errors; the naive fixed-horizon test applied at every look must be visibly inflated.

constexpr int kExperiments = 1000;
constexpr double kAlpha = 0.05;
constexpr int kBurnIn = 100;
const double kLevelBound = kAlpha + 3 * std::sqrt(kAlpha * (1 - kAlpha) / kExperiments);

// The naive dashboard: Welch's t-test at 5%, recomputed at every look. Its p-value is only
// computed when |t| >= 1.959: Student's t quantile at 0.975 is above the normal's 1.95996 for
// every df, so a smaller |t| can never reach p <= 0.05. This keeps the simulation fast without
// changing a single decision.
bool NaiveWelchRejects(const Welford& x, const Welford& y) {
  const double se = std::sqrt(x.variance() / x.count() + y.variance() / y.count());
  if (!(se > 0) || std::abs(x.mean() - y.mean()) < 1.959 * se) return false;
  absl::StatusOr<WelchResult> r = WelchTTest(x, y);
  return r.ok() && r->computable && r->p_value <= kAlpha;
}

struct Rates {
  double msprt = 0;
  double naive = 0;
};

// Each step adds `per_step_x` observations to x and `per_step_y` to y, N(delta, 1) vs N(0, 1).
Rates SimulateMeans(double delta, int horizon, uint64_t seed, int per_step_x = 1,
                    int per_step_y = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  int msprt_rejections = 0, naive_rejections = 0;
  for (int e = 0; e < kExperiments; ++e) {
    Msprt m = MakeMsprt(0.1, kBurnIn, kAlpha);
    Welford x, y;
    bool naive = false;
    for (int i = 1; i <= horizon; ++i) {
      for (int k = 0; k < per_step_x; ++k) x.Add(delta + noise(rng));
      for (int k = 0; k < per_step_y; ++k) y.Add(noise(rng));
      if (!m.state().reject) m.UpdateMeans(x, y);
      if (!naive && x.count() >= kBurnIn && y.count() >= kBurnIn) naive = NaiveWelchRejects(x, y);
      if (m.state().reject && naive) break;
    }
    msprt_rejections += m.state().reject;
    naive_rejections += naive;
  }
  return {static_cast<double>(msprt_rejections) / kExperiments,
          static_cast<double>(naive_rejections) / kExperiments};
}

TEST(MsprtSimulation, MeansAlwaysValidUnderContinuousMonitoringWhileNaivePeekingIsNot) {
  const Rates null = SimulateMeans(0.0, 2000, 101);
  const Rates effect = SimulateMeans(0.15, 2000, 202);
  std::cout << "[simulation] means, " << kExperiments << " A/A experiments checked after every "
            << "pair up to 2000 (burn-in " << kBurnIn << "), alpha " << kAlpha << ":\n"
            << "  false-positive rate: mSPRT (tau 0.1) " << null.msprt
            << ", naive Welch t-test peeked " << null.naive << " (bound for mSPRT "
            << kLevelBound << ")\n"
            << "  power at delta = 0.15 sd: mSPRT " << effect.msprt << "\n";
  EXPECT_LE(null.msprt, kLevelBound);
  EXPECT_GT(null.naive, 2 * kAlpha);
  EXPECT_GE(effect.msprt, 0.8);
}

TEST(MsprtSimulation, MeansKeepLevelWithUnequalAllocation) {
  // A 1:3 split (e.g. a 25% canary): the general-V form must stay valid, not only the per-pair
  // form.
  const Rates null = SimulateMeans(0.0, 1000, 303, 1, 3);
  const Rates effect = SimulateMeans(0.2, 1000, 404, 1, 3);
  std::cout << "[simulation] means, 1:3 allocation, 1000 looks: false-positive rate mSPRT "
            << null.msprt << ", naive " << null.naive << "; power at delta = 0.2 sd: mSPRT "
            << effect.msprt << "\n";
  EXPECT_LE(null.msprt, kLevelBound);
  EXPECT_GT(null.naive, 2 * kAlpha);
  EXPECT_GE(effect.msprt, 0.8);
}

Rates SimulateProportions(double base, double lift, int horizon, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution bx(base + lift), by(base);
  int msprt_rejections = 0, naive_rejections = 0;
  for (int e = 0; e < kExperiments; ++e) {
    Msprt m = MakeMsprt(0.05, kBurnIn, kAlpha);
    int64_t sx = 0, sy = 0;
    bool naive = false;
    for (int n = 1; n <= horizon; ++n) {
      sx += bx(rng);
      sy += by(rng);
      if (!m.state().reject) (void)m.UpdateProportions(sx, n, sy, n);
      if (!naive && n >= kBurnIn) {
        absl::StatusOr<ProportionResult> z = TwoProportionZTest(sx, n, sy, n);
        naive = z.ok() && z->computable && z->p_value <= kAlpha;
      }
      if (m.state().reject && naive) break;
    }
    msprt_rejections += m.state().reject;
    naive_rejections += naive;
  }
  return {static_cast<double>(msprt_rejections) / kExperiments,
          static_cast<double>(naive_rejections) / kExperiments};
}

TEST(MsprtSimulation, ProportionsAlwaysValidUnderContinuousMonitoringWhileNaivePeekingIsNot) {
  const Rates null = SimulateProportions(0.10, 0.0, 2000, 505);
  const Rates effect = SimulateProportions(0.10, 0.05, 2000, 606);
  std::cout << "[simulation] proportions (base rate 10%), " << kExperiments
            << " A/A experiments checked after every pair up to 2000 (burn-in " << kBurnIn
            << "), alpha " << kAlpha << ":\n"
            << "  false-positive rate: mSPRT (tau 0.05) " << null.msprt
            << ", naive z-test peeked " << null.naive << " (bound for mSPRT " << kLevelBound
            << ")\n"
            << "  power at 10% -> 15%: mSPRT " << effect.msprt << "\n";
  EXPECT_LE(null.msprt, kLevelBound);
  EXPECT_GT(null.naive, 2 * kAlpha);
  EXPECT_GE(effect.msprt, 0.8);
}

}  // namespace
}  // namespace modelgate::stats
