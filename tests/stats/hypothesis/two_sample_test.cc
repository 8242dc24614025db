// Welch's t-test, the two-proportion z-test and Mann-Whitney U agree with SciPy on the golden
// cases (tests/stats/gen_golden.py), flag degenerate inputs instead of returning NaN, and reject
// invalid arguments.
#include "stats/hypothesis/two_sample.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "stats/hypothesis/golden_core.h"

namespace modelgate::stats {
namespace {

using ::modelgate::stats::testing::Agreement;
using ::modelgate::stats::testing::Doubles;
using ::modelgate::stats::testing::GoldenCore;

Welford Summarize(const std::vector<double>& v) {
  Welford w;
  for (double x : v) w.Add(x);
  return w;
}

void ExpectAllFinite(std::initializer_list<double> values) {
  for (double v : values) EXPECT_TRUE(std::isfinite(v)) << v;
}

TEST(WelchTTest, MatchesScipyGoldenCases) {
  const auto& cases = GoldenCore()["welch"];
  ASSERT_GE(cases.size(), 40u);
  Agreement agree("welch");
  int computable = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string where = "welch case " + std::to_string(i);
    const auto x = Doubles(c["x"]), y = Doubles(c["y"]);
    absl::StatusOr<WelchResult> r = WelchTTest(Summarize(x), Summarize(y), c["confidence"]);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->n_x, static_cast<int64_t>(x.size()));
    EXPECT_EQ(r->n_y, static_cast<int64_t>(y.size()));
    const auto& e = c["expected"];
    ASSERT_EQ(r->computable, e["computable"].get<bool>()) << where;
    ExpectAllFinite({r->t, r->df, r->p_value, r->ci_low, r->ci_high, r->hedges_g});
    if (!r->computable) {
      EXPECT_EQ(r->p_value, 1.0);
      continue;
    }
    ++computable;
    agree.Check("difference", r->difference, e["difference"], where);
    agree.Check("t", r->t, e["t"], where);
    agree.Check("df", r->df, e["df"], where);
    agree.Check("p_value", r->p_value, e["p_value"], where);
    agree.Check("ci_low", r->ci_low, e["ci_low"], where);
    agree.Check("ci_high", r->ci_high, e["ci_high"], where);
    agree.Check("hedges_g", r->hedges_g, e["hedges_g"], where);
  }
  EXPECT_GE(computable, 40);
}

TEST(WelchTTest, DegenerateInputsAreFlaggedNotNan) {
  Welford one, many, flat_a, flat_b;
  one.Add(1.0);
  for (double v : {1.0, 2.0, 3.0}) many.Add(v);
  for (int i = 0; i < 5; ++i) {
    flat_a.Add(2.0);
    flat_b.Add(2.0);
  }
  for (const auto& [x, y] : {std::pair{one, many}, std::pair{many, Welford()},
                             std::pair{flat_a, flat_b}}) {
    absl::StatusOr<WelchResult> r = WelchTTest(x, y);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->computable);
    EXPECT_EQ(r->p_value, 1.0);
    EXPECT_EQ(r->t, 0.0);
    ExpectAllFinite({r->ci_low, r->ci_high, r->hedges_g, r->df});
  }
}

TEST(WelchTTest, RejectsInvalidArguments) {
  Welford a, b;
  for (double v : {1.0, 2.0, 4.0}) {
    a.Add(v);
    b.Add(v + 1);
  }
  EXPECT_FALSE(WelchTTest(a, b, 0.0).ok());
  EXPECT_FALSE(WelchTTest(a, b, 1.0).ok());
  Welford nan;
  nan.Add(std::nan(""));
  nan.Add(1.0);
  EXPECT_FALSE(WelchTTest(nan, b).ok());
}

TEST(WelchTTest, HedgesCorrectionShrinksSmallSamplesOnly) {
  // With n = 2 + 2 the exact correction is Gamma(1)/(1 * Gamma(1/2)) = 1/sqrt(pi).
  const Welford x = Summarize({1.0, 3.0}), y = Summarize({0.0, 2.0});
  absl::StatusOr<WelchResult> r = WelchTTest(x, y);
  ASSERT_TRUE(r.ok() && r->computable);
  const double d = 1.0 / std::sqrt(2.0);  // difference 1, pooled sd sqrt(2)
  EXPECT_NEAR(r->hedges_g, d / std::sqrt(M_PI), 1e-12);
}

TEST(TwoProportionZTest, MatchesScipyGoldenCases) {
  const auto& cases = GoldenCore()["proportions"];
  ASSERT_GE(cases.size(), 40u);
  Agreement agree("proportions");
  int computable = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string where = "proportion case " + std::to_string(i);
    absl::StatusOr<ProportionResult> r =
        TwoProportionZTest(c["successes_x"], c["n_x"], c["successes_y"], c["n_y"], c["confidence"]);
    ASSERT_TRUE(r.ok()) << r.status();
    const auto& e = c["expected"];
    ASSERT_EQ(r->computable, e["computable"].get<bool>()) << where;
    ExpectAllFinite({r->z, r->p_value, r->ci_low, r->ci_high});
    if (!r->computable) {
      EXPECT_EQ(r->p_value, 1.0);
      continue;
    }
    ++computable;
    agree.Check("difference", r->difference, e["difference"], where);
    agree.Check("z", r->z, e["z"], where);
    agree.Check("p_value", r->p_value, e["p_value"], where);
    agree.Check("ci_low", r->ci_low, e["ci_low"], where);
    agree.Check("ci_high", r->ci_high, e["ci_high"], where);
  }
  EXPECT_GE(computable, 40);
}

TEST(TwoProportionZTest, UsesPooledSeForZAndUnpooledSeForInterval) {
  absl::StatusOr<ProportionResult> r = TwoProportionZTest(30, 100, 10, 100);
  ASSERT_TRUE(r.ok() && r->computable);
  EXPECT_NEAR(r->pooled_se, std::sqrt(0.2 * 0.8 * 0.02), 1e-15);
  EXPECT_NEAR(r->unpooled_se, std::sqrt(0.3 * 0.7 / 100 + 0.1 * 0.9 / 100), 1e-15);
  EXPECT_NEAR(r->ci_high - r->difference, 1.959963984540054 * r->unpooled_se, 1e-12);
}

TEST(TwoProportionZTest, RejectsImpossibleCounts) {
  EXPECT_FALSE(TwoProportionZTest(11, 10, 1, 10).ok());
  EXPECT_FALSE(TwoProportionZTest(-1, 10, 1, 10).ok());
  EXPECT_FALSE(TwoProportionZTest(1, 10, 1, -10).ok());
  EXPECT_FALSE(TwoProportionZTest(1, 10, 1, 10, 1.5).ok());
}

TEST(MannWhitneyU, MatchesScipyGoldenCases) {
  const auto& cases = GoldenCore()["mann_whitney"];
  ASSERT_GE(cases.size(), 40u);
  Agreement agree("mann_whitney");
  int computable = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string where = "mann-whitney case " + std::to_string(i);
    const auto x = Doubles(c["x"]), y = Doubles(c["y"]);
    absl::StatusOr<MannWhitneyResult> r = MannWhitneyU(x, y);
    ASSERT_TRUE(r.ok()) << r.status();
    const auto& e = c["expected"];
    ASSERT_EQ(r->computable, e["computable"].get<bool>()) << where;
    ExpectAllFinite({r->z, r->p_value, r->sd_u, r->common_language_effect});
    EXPECT_EQ(r->u_x + r->u_y, static_cast<double>(x.size() * y.size()));
    if (!r->computable) {
      EXPECT_EQ(r->p_value, 1.0);
      continue;
    }
    ++computable;
    agree.Check("u_x", r->u_x, e["u_x"], where);
    agree.Check("p_value", r->p_value, e["p_value"], where);
  }
  EXPECT_GE(computable, 40);
}

TEST(MannWhitneyU, EffectSizeIsProbabilityOfSuperiority) {
  // x beats y in 5 of 6 pairs and ties in 1: U_x / (n_x n_y) = (5 + 0.5) / 6.
  absl::StatusOr<MannWhitneyResult> r = MannWhitneyU(std::vector<double>{3.0, 5.0},
                                                     std::vector<double>{1.0, 2.0, 3.0});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->common_language_effect, 5.5 / 6.0);
}

TEST(MannWhitneyU, RejectsNonFiniteSamplesAndFlagsEmptyArms) {
  EXPECT_FALSE(MannWhitneyU(std::vector<double>{1.0, NAN}, std::vector<double>{2.0}).ok());
  absl::StatusOr<MannWhitneyResult> r =
      MannWhitneyU(std::vector<double>{}, std::vector<double>{2.0});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->computable);
}

TEST(MannWhitneyU, OnReservoirsReportsStreamAndSampleSizes) {
  Reservoir<double> x(500, 1), y(500, 2);
  SplitMix64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    x.Add(rng.Uniform() + 0.1);  // shifted: P(X > Y) = 0.595
    y.Add(rng.Uniform());
  }
  absl::StatusOr<MannWhitneyResult> r = MannWhitneyU(x, y);
  ASSERT_TRUE(r.ok() && r->computable);
  EXPECT_EQ(r->n_x, 500);
  EXPECT_EQ(r->seen_x, 20000);
  EXPECT_EQ(r->seen_y, 20000);
  // Documented standard error on 500 + 500: sqrt(1001 / (12 * 250000)) = 0.018; 4 sd.
  EXPECT_NEAR(r->common_language_effect, 0.595, 4 * 0.0183);
  EXPECT_LT(r->p_value, 1e-3);
}

}  // namespace
}  // namespace modelgate::stats
