// W1, JS distance and PSI on hand-checkable inputs (the SciPy comparison is in
// golden_test.cc), including PSI's epsilon rule and input validation.
#include "stats/drift/distance.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate::stats {
namespace {

using V = std::vector<double>;

TEST(Wasserstein1, KnownValues) {
  EXPECT_DOUBLE_EQ(*Wasserstein1(V{0}, V{1}), 1.0);
  EXPECT_DOUBLE_EQ(*Wasserstein1(V{0, 1, 3}, V{5, 6, 8}), 5.0);  // SciPy's docstring example
  EXPECT_DOUBLE_EQ(*Wasserstein1(V{3, 1, 2}, V{2, 3, 1}), 0.0);
  // Equal sizes: mean absolute difference of the order statistics.
  EXPECT_DOUBLE_EQ(*Wasserstein1(V{0, 4, 1}, V{2, 2, 9}), (2.0 + 1.0 + 5.0) / 3.0);
  // Unequal sizes: integral of |F - G|; F steps at 0 (to 1), G at 0 and 2 (to 1/2, 1).
  EXPECT_DOUBLE_EQ(*Wasserstein1(V{0}, V{0, 2}), 1.0);
}

TEST(Wasserstein1, RejectsEmptyAndNonFinite) {
  EXPECT_FALSE(Wasserstein1(V{}, V{1}).ok());
  EXPECT_FALSE(Wasserstein1(V{NAN}, V{1}).ok());
  EXPECT_FALSE(Wasserstein1(V{INFINITY}, V{1}).ok());
}

TEST(JensenShannonDistance, KnownValuesAndNormalisation) {
  EXPECT_DOUBLE_EQ(*JensenShannonDistance(V{1, 2, 3}, V{2, 4, 6}), 0.0);  // same shares
  EXPECT_NEAR(*JensenShannonDistance(V{1, 0}, V{0, 1}), std::sqrt(std::log(2.0)), 1e-15);
  // P = (1, 0), Q = (1/2, 1/2): M = (3/4, 1/4).
  const double jsd =
      0.5 * std::log(4.0 / 3.0) + 0.5 * (0.5 * std::log(0.5 / 0.75) + 0.5 * std::log(0.5 / 0.25));
  EXPECT_NEAR(*JensenShannonDistance(V{3, 0}, V{1, 1}), std::sqrt(jsd), 1e-15);
}

TEST(JensenShannonDistance, RejectsBadVectors) {
  EXPECT_FALSE(JensenShannonDistance(V{1, 2}, V{1}).ok());
  EXPECT_FALSE(JensenShannonDistance(V{}, V{}).ok());
  EXPECT_FALSE(JensenShannonDistance(V{1, -1}, V{1, 1}).ok());
  EXPECT_FALSE(JensenShannonDistance(V{0, 0}, V{1, 1}).ok());
  EXPECT_FALSE(JensenShannonDistance(V{NAN, 1}, V{1, 1}).ok());
}

TEST(PopulationStabilityIndex, EmptyBinsUseEvidentlysEpsilon) {
  // Smallest non-zero share 0.25 > 1e-4: an empty bin counts as 1e-4.
  EXPECT_EQ(PsiEmptyBinShare(V{0.25, 0.75, 0.0}), 1e-4);
  // Smallest non-zero share 5e-5 <= 1e-4: it becomes 5e-5 / 1e6, far below any real share.
  EXPECT_EQ(PsiEmptyBinShare(V{5e-5, 1 - 5e-5, 0.0}), 5e-11);

  const double e[] = {0.5, 0.5, 1e-4};  // reference: third bin empty -> 1e-4
  const double a[] = {0.4, 0.4, 0.2};
  double expected = 0.0;
  for (int i = 0; i < 3; ++i) expected += (a[i] - e[i]) * std::log(a[i] / e[i]);
  EXPECT_NEAR(*PopulationStabilityIndex(V{50, 50, 0}, V{2, 2, 1}), expected, 1e-15);
}

TEST(PopulationStabilityIndex, ZeroForIdenticalSharesAndRejectsBadVectors) {
  EXPECT_EQ(*PopulationStabilityIndex(V{1, 2, 0}, V{10, 20, 0}), 0.0);
  EXPECT_FALSE(PopulationStabilityIndex(V{1, 2}, V{1, 2, 3}).ok());
  EXPECT_FALSE(PopulationStabilityIndex(V{0, 0}, V{1, 2}).ok());
  EXPECT_FALSE(PopulationStabilityIndex(V{1, -2}, V{1, 2}).ok());
}

TEST(PopulationStabilityIndex, RuleOfThumbScale) {
  // A 0.1 share moved between two of ten equal bins is a small change...
  V ref(10, 0.1), cur(10, 0.1);
  cur[0] = 0.05;
  cur[9] = 0.15;
  const double small = *PopulationStabilityIndex(ref, cur);
  EXPECT_LT(small, 0.1);
  // ...emptying half the bins is a large one.
  V shifted = {0, 0, 0, 0, 0, 0.2, 0.2, 0.2, 0.2, 0.2};
  EXPECT_GT(*PopulationStabilityIndex(ref, shifted), 0.25);
}

}  // namespace
}  // namespace modelgate::stats
