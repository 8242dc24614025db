// JudgeNoise: rates, the order of the statuses, and both thresholds of the real-difference rule
// at and around their edges.
#include "shadow/noise_verdict.h"

#include <limits>

#include "gtest/gtest.h"

namespace modelgate::shadow {
namespace {

NoiseVerdict Judge(int64_t compared, int64_t differing, int64_t ref_compared, int64_t ref_differing,
                   const NoiseSettings& settings = {}) {
  return JudgeNoise({compared, differing, ref_compared, ref_differing}, settings);
}

TEST(JudgeNoise, StatusesInOrder) {
  EXPECT_EQ(Judge(0, 0, 0, 0).status, NoiseStatus::kNoData);
  EXPECT_EQ(Judge(0, 0, 0, 0).real, false);
  EXPECT_EQ(Judge(100, 0, 5, 5).status, NoiseStatus::kNoDifference);  // before min_samples
  EXPECT_EQ(Judge(100, 1, 0, 0).status, NoiseStatus::kNoReference);
  EXPECT_EQ(Judge(100, 1, 0, 0).real, true);
  EXPECT_EQ(Judge(100, 50, 19, 0).status, NoiseStatus::kInsufficientData);
  EXPECT_FALSE(Judge(100, 50, 19, 0).real.has_value());
  EXPECT_EQ(Judge(100, 50, 20, 0).status, NoiseStatus::kReal);
}

TEST(JudgeNoise, RatesAndAdjustment) {
  const NoiseVerdict v = Judge(200, 50, 100, 10);
  EXPECT_DOUBLE_EQ(*v.raw_rate, 0.25);
  EXPECT_DOUBLE_EQ(*v.noise_rate, 0.10);
  EXPECT_DOUBLE_EQ(*v.adjusted_rate, 0.15);
  // Noisier reference than shadow: adjusted clamps at 0.
  EXPECT_EQ(*Judge(100, 10, 100, 30).adjusted_rate, 0.0);
  // No reference: nothing to subtract.
  EXPECT_EQ(Judge(100, 10, 0, 0).adjusted_rate, 0.1);
  EXPECT_FALSE(Judge(100, 10, 0, 0).noise_rate.has_value());
}

TEST(JudgeNoise, NeedsBothTheAbsoluteAndTheRelativeExcess) {
  // 0.02 over zero noise: below the absolute threshold of 0.03.
  EXPECT_EQ(Judge(1000, 20, 1000, 0).status, NoiseStatus::kWithinNoise);
  EXPECT_EQ(Judge(1000, 40, 1000, 0).status, NoiseStatus::kReal);
  // 0.50 vs 0.45: excess 0.05 > 0.03, but ratio 1.11 <= 1.2.
  EXPECT_EQ(Judge(1000, 500, 1000, 450).status, NoiseStatus::kWithinNoise);
  // 0.50 vs 0.40: excess 0.10, ratio 1.25 > 1.2.
  EXPECT_EQ(Judge(1000, 500, 1000, 400).status, NoiseStatus::kReal);
  // Both fully noisy.
  EXPECT_EQ(Judge(1000, 1000, 1000, 1000).status, NoiseStatus::kWithinNoise);

  NoiseSettings strict;
  strict.absolute_threshold = 0.01;
  strict.relative_threshold = 0.05;
  EXPECT_EQ(Judge(1000, 20, 1000, 0, strict).status, NoiseStatus::kReal);
  EXPECT_EQ(Judge(1000, 500, 1000, 450, strict).status, NoiseStatus::kReal);
}

TEST(NoiseStatusName, SpellsEveryStatus) {
  EXPECT_EQ(NoiseStatusName(NoiseStatus::kNoData), "no_data");
  EXPECT_EQ(NoiseStatusName(NoiseStatus::kNoDifference), "no_difference");
  EXPECT_EQ(NoiseStatusName(NoiseStatus::kNoReference), "no_reference");
  EXPECT_EQ(NoiseStatusName(NoiseStatus::kInsufficientData), "insufficient_data");
  EXPECT_EQ(NoiseStatusName(NoiseStatus::kWithinNoise), "within_noise");
  EXPECT_EQ(NoiseStatusName(NoiseStatus::kReal), "real");
}

TEST(ValidateNoiseSettings, RejectsNegativeOrNonFiniteThresholdsAndZeroSamples) {
  EXPECT_TRUE(ValidateNoiseSettings({}).ok());
  NoiseSettings s;
  s.absolute_threshold = -0.1;
  EXPECT_FALSE(ValidateNoiseSettings(s).ok());
  s = {};
  s.relative_threshold = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(ValidateNoiseSettings(s).ok());
  s = {};
  s.min_samples = 0;
  EXPECT_FALSE(ValidateNoiseSettings(s).ok());
}

}  // namespace
}  // namespace modelgate::shadow
