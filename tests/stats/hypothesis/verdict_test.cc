// Verdict names are the exported strings.
#include "stats/hypothesis/verdict.h"

#include "gtest/gtest.h"

namespace modelgate::stats {
namespace {

TEST(Verdict, NamesAreTheExportedStrings) {
  EXPECT_EQ(ToString(Verdict::kPass), "pass");
  EXPECT_EQ(ToString(Verdict::kFail), "fail");
  EXPECT_EQ(ToString(Verdict::kInconclusive), "inconclusive");
  static_assert(ToString(Verdict::kFail) == "fail");
}

}  // namespace
}  // namespace modelgate::stats
