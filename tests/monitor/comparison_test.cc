// The verdict rules and the multiple-comparison step on hand-made comparison rows, and the
// mSPRT mixture scale frozen at burn-in.
#include "monitor/comparison.h"

#include <vector>

#include "gtest/gtest.h"
#include "monitor/test_util.h"

namespace modelgate::monitor {
namespace {

using stats::Verdict;

// The effect is the middle of the confidence sequence.
ComparisonRow Gate(double p, double ci_low, double ci_high, int direction,
                   double tolerance = 0.01) {
  ComparisonRow r;
  r.arm = "candidate";
  r.metric = "error_rate";
  r.gate = true;
  r.enough_data = true;
  r.always_valid_p_value = p;
  r.ci_low = ci_low;
  r.ci_high = ci_high;
  r.effect = (ci_low + ci_high) / 2;
  r.direction = direction;
  r.tolerance = tolerance;
  return r;
}

config::MonitorConfig NoCorrection() {
  config::MonitorConfig c = testing::BaseConfig();
  c.correction = "none";
  return c;
}

TEST(DecideComparisons, SignificantAndWorseFails) {
  std::vector<ComparisonRow> rows = {Gate(0.001, 0.02, 0.05, 1)};
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kFail);
}

TEST(DecideComparisons, SignificantAndBetterPasses) {
  std::vector<ComparisonRow> rows = {Gate(0.001, -0.05, -0.02, -1)};
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kPass);
}

TEST(DecideComparisons, SequenceInsideToleranceBandPasses) {
  std::vector<ComparisonRow> rows = {Gate(0.8, -0.004, 0.006, 0)};
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kPass);
}

TEST(DecideComparisons, SequenceCrossingToleranceIsInconclusive) {
  std::vector<ComparisonRow> rows = {Gate(0.8, -0.004, 0.012, 0)};
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kInconclusive);
}

TEST(DecideComparisons, SignificantlyButImmateriallyWorseWithinTheBandPasses) {
  // +0.25 points of errors, surely real, surely under the 1-point tolerance: not a failure.
  std::vector<ComparisonRow> rows = {Gate(0.01, 0.001, 0.004, 1)};
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kPass);
}

TEST(DecideComparisons, SignificantlyWorseByLessThanTheToleranceButUnsureIsInconclusive) {
  // Effect +0.8 points (under the tolerance), sequence up to +1.4: could still be material.
  std::vector<ComparisonRow> rows = {Gate(0.001, 0.002, 0.014, 1)};
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kInconclusive);
}

TEST(DecideComparisons, PointEstimateBeyondTheToleranceIsNotEnoughToFail) {
  // Effect +1.5 points but sequence [+0.2, +2.8]: the true effect may still be inside the band,
  // and a point estimate re-read at every look would cross the tolerance by chance.
  std::vector<ComparisonRow> rows = {Gate(0.001, 0.002, 0.028, 1)};
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kInconclusive);
}

TEST(DecideComparisons, SequenceEntirelyBeyondTheToleranceFails) {
  std::vector<ComparisonRow> rows = {Gate(0.001, 0.011, 0.028, 1)};
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kFail);
}

TEST(DecideComparisons, AnEstimateOutsideItsOwnSequenceCannotFailAnInBandRow) {
  // The sequence is a running intersection, so the current estimate may leave it; the verdict
  // follows the sequence: inside the band means pass.
  std::vector<ComparisonRow> rows = {Gate(0.001, 0.002, 0.008, 1)};
  rows[0].effect = 0.012;
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kPass);
}

TEST(DecideComparisons, TooLittleDataIsInconclusiveWhateverTheNumbers) {
  std::vector<ComparisonRow> rows = {Gate(1e-9, 0.02, 0.05, 1)};
  rows[0].enough_data = false;
  DecideComparisons(NoCorrection(), &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kInconclusive);
}

TEST(DecideComparisons, HolmCanTurnARawRejectionIntoInconclusive) {
  config::MonitorConfig c = testing::BaseConfig();  // holm
  std::vector<ComparisonRow> rows = {Gate(0.03, 0.011, 0.02, 1), Gate(0.5, -0.02, 0.03, 0)};
  DecideComparisons(c, &rows);
  EXPECT_DOUBLE_EQ(rows[0].adjusted_p_value, 0.06);
  EXPECT_EQ(rows[0].verdict, Verdict::kInconclusive);
  c.correction = "none";
  DecideComparisons(c, &rows);
  EXPECT_EQ(rows[0].verdict, Verdict::kFail);
}

TEST(DecideComparisons, RowsWithoutAStartedTestCountAsOneInTheFamily) {
  config::MonitorConfig c = testing::BaseConfig();
  c.correction = "bh";
  ComparisonRow not_started = Gate(kNotComputed, kNotComputed, kNotComputed, 0);
  not_started.enough_data = false;
  std::vector<ComparisonRow> rows = {Gate(0.02, 0.01, 0.03, 1), not_started};
  DecideComparisons(c, &rows);
  EXPECT_DOUBLE_EQ(rows[0].adjusted_p_value, 0.04);   // m = 2: 2 * 0.02 / 1
  EXPECT_TRUE(std::isnan(rows[1].adjusted_p_value));  // never shown for a test not started
}

TEST(DecideComparisons, DescriptiveRowsStayOutOfTheFamilyAndTheVerdict) {
  ComparisonRow mw;
  mw.gate = false;
  mw.fixed_horizon_p_value = 1e-12;
  std::vector<ComparisonRow> rows = {Gate(0.04, 0.011, 0.02, 1), mw};
  DecideComparisons(testing::BaseConfig(), &rows);
  EXPECT_DOUBLE_EQ(rows[0].adjusted_p_value, 0.04);  // family of one
  EXPECT_EQ(rows[0].verdict, Verdict::kFail);
  EXPECT_EQ(rows[1].verdict, Verdict::kInconclusive);
  EXPECT_TRUE(std::isnan(rows[1].adjusted_p_value));
}

TEST(DecideRoute, SampleRatioMismatchFailsTheRoute) {
  std::vector<ComparisonRow> rows = {Gate(0.9, -0.001, 0.001, 0)};
  rows[0].verdict = Verdict::kPass;
  EXPECT_EQ(DecideRoute(false, rows), Verdict::kPass);
  EXPECT_EQ(DecideRoute(true, rows), Verdict::kFail);
}

TEST(DecideRoute, PassNeedsEveryGateToPass) {
  std::vector<ComparisonRow> rows = {Gate(0.9, 0, 0, 0), Gate(0.9, 0, 0, 0)};
  rows[0].verdict = Verdict::kPass;
  rows[1].verdict = Verdict::kInconclusive;
  EXPECT_EQ(DecideRoute(false, rows), Verdict::kInconclusive);
  rows[1].verdict = Verdict::kFail;
  EXPECT_EQ(DecideRoute(false, rows), Verdict::kFail);
  EXPECT_EQ(DecideRoute(false, {}), Verdict::kInconclusive);  // nothing compared
}

TEST(ArmComparator, TauIsFrozenAtBurnInInStandardDeviations) {
  config::MonitorConfig c = testing::BaseConfig();
  c.sequential_tau = 0.2;
  ArmComparator cmp("candidate", c);
  ArmTotals ref(64, 1), cand(64, 2);
  auto fill = [](ArmTotals& t, int n, double mean, double spread) {
    for (int i = 0; i < n; ++i) {
      const double x = mean + (i % 2 == 0 ? spread : -spread);
      t.requests++;
      t.error_sample++;  // every call counts in the error rate (none failed)
      t.latency.Add(x);
      t.sketch.Add(x);
      t.reservoir.Add(x);
    }
  };
  fill(ref, 100, 0.01, 0.002);
  fill(cand, 100, 0.01, 0.002);
  std::vector<ComparisonRow> rows;
  cmp.Compare(ref, cand, &rows);
  ASSERT_EQ(rows.size(), 3u);
  // Pooled sd of +-0.002 around the mean with n-1 denominators: 0.002 * sqrt(198/198) ~ 0.002.
  EXPECT_NEAR(rows[0].tau, 0.2 * 0.002 * std::sqrt(200.0 / 198.0), 1e-9);
  // Tripling the spread later does not move the mixture.
  fill(ref, 1000, 0.01, 0.006);
  fill(cand, 1000, 0.01, 0.006);
  rows.clear();
  cmp.Compare(ref, cand, &rows);
  EXPECT_NEAR(rows[0].tau, 0.2 * 0.002 * std::sqrt(200.0 / 198.0), 1e-9);
  // Error rate: no errors, pseudo-counts give sqrt(p(1-p)) with p = 2/204.
  const double p = 2.0 / 204.0;
  EXPECT_TRUE(std::isfinite(rows[2].tau));
  ArmComparator fresh("candidate", c);
  ArmTotals r2(64, 3), c2(64, 4);
  fill(r2, 100, 0.01, 0.001);
  fill(c2, 100, 0.01, 0.001);
  rows.clear();
  fresh.Compare(r2, c2, &rows);
  EXPECT_NEAR(rows[2].tau, 0.2 * std::sqrt(p * (1 - p)), 1e-12);
}

}  // namespace
}  // namespace modelgate::monitor
