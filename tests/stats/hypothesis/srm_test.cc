// Sample Ratio Mismatch: agrees with scipy.stats.chisquare, reproduces the worked examples of
// statistics.md, and treats traffic in a zero-weight arm as a mismatch by itself.
#include "stats/hypothesis/srm.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "stats/hypothesis/golden_core.h"

namespace modelgate::stats {
namespace {

using ::modelgate::stats::testing::Agreement;
using ::modelgate::stats::testing::GoldenCore;

TEST(CheckSampleRatio, MatchesScipyChisquareGoldenCases) {
  const auto& cases = GoldenCore()["srm"];
  ASSERT_GE(cases.size(), 40u);
  Agreement agree("srm");
  int flagged = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string where = "srm case " + std::to_string(i);
    const auto observed = c["observed"].get<std::vector<int64_t>>();
    const auto weights = c["weights"].get<std::vector<double>>();
    absl::StatusOr<SrmResult> r = CheckSampleRatio(observed, weights);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->computable) << where;
    EXPECT_EQ(r->df, c["expected"]["df"].get<int>());
    agree.Check("chi_square", r->chi_square, c["expected"]["chi_square"], where);
    agree.Check("p_value", r->p_value, c["expected"]["p_value"], where);
    EXPECT_EQ(r->srm, c["expected"]["p_value"].get<double>() < kDefaultSrmThreshold) << where;
    flagged += r->srm;
  }
  // The generator plants real mismatches in a third of the cases; both outcomes must occur.
  EXPECT_GT(flagged, 0);
  EXPECT_LT(flagged, static_cast<int>(cases.size()));
}

TEST(CheckSampleRatio, OnePercentOffAtHundredThousandIsNotAnSrm) {
  const std::vector<int64_t> observed = {50500, 49500};
  const std::vector<double> weights = {50, 50};
  absl::StatusOr<SrmResult> r = CheckSampleRatio(observed, weights);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->chi_square, 10.0, 1e-9);
  EXPECT_NEAR(r->p_value, 0.0016, 0.00005);
  EXPECT_FALSE(r->srm);
}

TEST(CheckSampleRatio, ThreeTenthsOfAPointAtTwoMillionIsAnSrm) {
  const std::vector<int64_t> observed = {1003000, 997000};
  const std::vector<double> weights = {0.5, 0.5};
  absl::StatusOr<SrmResult> r = CheckSampleRatio(observed, weights);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->chi_square, 18.0, 1e-9);
  EXPECT_NEAR(r->p_value, 2.2e-5, 0.05e-5);
  EXPECT_TRUE(r->srm);
}

TEST(CheckSampleRatio, ThresholdIsConfigurable) {
  const std::vector<int64_t> observed = {50500, 49500};
  const std::vector<double> weights = {1, 1};
  absl::StatusOr<SrmResult> r = CheckSampleRatio(observed, weights, 0.01);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->srm);  // p = 0.0016 < 0.01
  EXPECT_EQ(r->threshold, 0.01);
}

TEST(CheckSampleRatio, TrafficInZeroWeightArmIsAnSrmByItself) {
  const std::vector<double> weights = {90, 10, 0};
  absl::StatusOr<SrmResult> clean = CheckSampleRatio(std::vector<int64_t>{9000, 1000, 0}, weights);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->computable);
  EXPECT_EQ(clean->df, 1);  // the zero-weight arm is not a category of the test
  EXPECT_NEAR(clean->chi_square, 0.0, 1e-12);
  EXPECT_FALSE(clean->srm);

  absl::StatusOr<SrmResult> leak = CheckSampleRatio(std::vector<int64_t>{9000, 1000, 1}, weights);
  ASSERT_TRUE(leak.ok());
  EXPECT_TRUE(leak->zero_weight_arm_has_traffic);
  EXPECT_EQ(leak->p_value, 0.0);
  EXPECT_TRUE(leak->srm);
  EXPECT_EQ(leak->total, 10000);
}

TEST(CheckSampleRatio, SingleWeightedArmOrNoTrafficIsNotComputable) {
  absl::StatusOr<SrmResult> single =
      CheckSampleRatio(std::vector<int64_t>{500, 0}, std::vector<double>{1, 0});
  ASSERT_TRUE(single.ok());
  EXPECT_FALSE(single->computable);
  EXPECT_FALSE(single->srm);
  EXPECT_EQ(single->p_value, 1.0);

  absl::StatusOr<SrmResult> leak =
      CheckSampleRatio(std::vector<int64_t>{500, 3}, std::vector<double>{1, 0});
  ASSERT_TRUE(leak.ok());
  EXPECT_FALSE(leak->computable);
  EXPECT_TRUE(leak->srm);

  absl::StatusOr<SrmResult> empty =
      CheckSampleRatio(std::vector<int64_t>{0, 0}, std::vector<double>{1, 1});
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->computable);
  EXPECT_FALSE(empty->srm);
}

TEST(CheckSampleRatio, RejectsInvalidConfiguration) {
  const std::vector<int64_t> two = {1, 2};
  EXPECT_FALSE(CheckSampleRatio(two, std::vector<double>{1}).ok());
  EXPECT_FALSE(CheckSampleRatio(two, std::vector<double>{0, 0}).ok());
  EXPECT_FALSE(CheckSampleRatio(two, std::vector<double>{-1, 2}).ok());
  EXPECT_FALSE(CheckSampleRatio(two, std::vector<double>{NAN, 2}).ok());
  EXPECT_FALSE(CheckSampleRatio(std::vector<int64_t>{-1, 2}, std::vector<double>{1, 1}).ok());
  EXPECT_FALSE(CheckSampleRatio(two, std::vector<double>{1, 1}, 0.0).ok());
  EXPECT_FALSE(CheckSampleRatio(std::vector<int64_t>{}, std::vector<double>{}).ok());
}

}  // namespace
}  // namespace modelgate::stats
