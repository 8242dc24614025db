// Holm and Benjamini-Hochberg: adjusted p-values and reject flags agree with the definitions
// computed independently in tests/stats/gen_golden.py, and the basic orderings hold.
#include "stats/hypothesis/multiple.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "stats/hypothesis/golden_core.h"

namespace modelgate::stats {
namespace {

using ::modelgate::stats::testing::Agreement;
using ::modelgate::stats::testing::Doubles;
using ::modelgate::stats::testing::GoldenCore;

TEST(MultipleComparisons, MatchesDefinitionsOnGoldenCases) {
  const auto& cases = GoldenCore()["multiple"];
  ASSERT_GE(cases.size(), 40u);
  Agreement agree("multiple", 1e-12, 1e-15);
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string where = "multiple case " + std::to_string(i);
    const auto p = Doubles(c["p"]);
    const double alpha = c["alpha"];
    absl::StatusOr<AdjustedPValues> holm = HolmAdjust(p, alpha);
    absl::StatusOr<AdjustedPValues> bh = BenjaminiHochbergAdjust(p, alpha);
    ASSERT_TRUE(holm.ok() && bh.ok());
    const auto holm_adj = Doubles(c["holm_adjusted"]), bh_adj = Doubles(c["bh_adjusted"]);
    const auto holm_rej = c["holm_reject"].get<std::vector<bool>>();
    const auto bh_rej = c["bh_reject"].get<std::vector<bool>>();
    ASSERT_EQ(holm->adjusted.size(), p.size());
    for (size_t k = 0; k < p.size(); ++k) {
      agree.Check("holm", holm->adjusted[k], holm_adj[k], where);
      agree.Check("bh", bh->adjusted[k], bh_adj[k], where);
      EXPECT_EQ(holm->reject[k], holm_rej[k]) << where << " holm index " << k;
      EXPECT_EQ(bh->reject[k], bh_rej[k]) << where << " bh index " << k;
      // BH controls a weaker error rate, so it is never more conservative than Holm.
      EXPECT_LE(bh->adjusted[k], holm->adjusted[k] + 1e-15) << where;
      EXPECT_GE(holm->adjusted[k], p[k]);
    }
  }
}

TEST(MultipleComparisons, TextbookExample) {
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  absl::StatusOr<AdjustedPValues> holm = HolmAdjust(p, 0.05);
  ASSERT_TRUE(holm.ok());
  // Sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, 0.06.
  EXPECT_DOUBLE_EQ(holm->adjusted[3], 0.02);
  EXPECT_DOUBLE_EQ(holm->adjusted[0], 0.03);
  EXPECT_DOUBLE_EQ(holm->adjusted[2], 0.06);
  EXPECT_DOUBLE_EQ(holm->adjusted[1], 0.06);
  EXPECT_EQ(holm->reject, (std::vector<bool>{true, false, false, true}));
  absl::StatusOr<AdjustedPValues> bh = BenjaminiHochbergAdjust(p, 0.05);
  ASSERT_TRUE(bh.ok());
  // m p / rank: 0.02, 0.02, 0.04, 0.04 after the running minimum from the top.
  EXPECT_DOUBLE_EQ(bh->adjusted[3], 0.02);
  EXPECT_DOUBLE_EQ(bh->adjusted[0], 0.02);
  EXPECT_DOUBLE_EQ(bh->adjusted[2], 0.04);
  EXPECT_DOUBLE_EQ(bh->adjusted[1], 0.04);
  EXPECT_EQ(bh->reject, (std::vector<bool>{true, true, true, true}));
}

TEST(MultipleComparisons, EmptyAndInvalidInputs) {
  absl::StatusOr<AdjustedPValues> empty = HolmAdjust(std::vector<double>{});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->adjusted.empty());
  EXPECT_FALSE(HolmAdjust(std::vector<double>{0.5, 1.5}).ok());
  EXPECT_FALSE(BenjaminiHochbergAdjust(std::vector<double>{NAN}).ok());
  EXPECT_FALSE(BenjaminiHochbergAdjust(std::vector<double>{0.1}, 0.0).ok());
}

}  // namespace
}  // namespace modelgate::stats
