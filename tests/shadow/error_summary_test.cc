// ErrorSummary: empty summaries answer nullopt, pairs without elements are ignored, and mean is
// over elements while quantiles are over pairs. (Quantile accuracy against exact order
// statistics is tested through FieldStats in field_stats_test.cc.)
#include "shadow/error_summary.h"

#include "gtest/gtest.h"

namespace modelgate::shadow {
namespace {

TEST(ErrorSummary, EmptyHasNoNumbers) {
  ErrorSummary errors;
  errors.AddPair(5, 5, 0);  // no elements: not a pair
  EXPECT_EQ(errors.pairs(), 0);
  EXPECT_FALSE(errors.max().has_value());
  EXPECT_FALSE(errors.mean().has_value());
  EXPECT_FALSE(errors.PairMaxQuantile(0.5).has_value());
}

TEST(ErrorSummary, MeanIsOverElementsAndQuantilesOverPairs) {
  ErrorSummary errors;
  errors.AddPair(0, 0, 9);  // nine exact elements
  errors.AddPair(2, 3, 3);  // errors 2, 1, 0
  EXPECT_EQ(errors.pairs(), 2);
  EXPECT_EQ(errors.elements(), 12);
  EXPECT_DOUBLE_EQ(*errors.mean(), 3.0 / 12);
  EXPECT_EQ(*errors.max(), 2);
  EXPECT_EQ(*errors.PairMaxQuantile(0), 0);
  EXPECT_NEAR(*errors.PairMaxQuantile(1), 2, 2 * ErrorSummary::kRelativeAccuracy);
}

}  // namespace
}  // namespace modelgate::shadow
