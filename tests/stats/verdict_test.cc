// Verdict names are the exported strings, and a default comparison result is inconclusive.
#include "stats/verdict.h"

#include "gtest/gtest.h"

namespace modelgate::stats {
namespace {

TEST(Verdict, NamesAreTheExportedStrings) {
  EXPECT_EQ(ToString(Verdict::kPass), "pass");
  EXPECT_EQ(ToString(Verdict::kFail), "fail");
  EXPECT_EQ(ToString(Verdict::kInconclusive), "inconclusive");
  static_assert(ToString(Verdict::kFail) == "fail");
}

TEST(ComparisonResult, DefaultsToInconclusiveWithNeutralNumbers) {
  ComparisonResult r;
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  EXPECT_FALSE(r.computable);
  EXPECT_EQ(r.p_value, 1.0);
  EXPECT_EQ(r.always_valid_p_value, 1.0);
}

}  // namespace
}  // namespace modelgate::stats
