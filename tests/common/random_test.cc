// The per-request random source: seeded runs reproduce, Below() stays in range and is unbiased.
#include "common/random.h"

#include "gtest/gtest.h"

namespace modelgate {
namespace {

TEST(SplitMix64, SameSeedSameSequence) {
  SplitMix64 a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    EXPECT_NE(x, c.Next());
  }
}

TEST(SplitMix64, BelowIsInRangeAndBalanced) {
  SplitMix64 r(7);
  int counts[3] = {};
  for (int i = 0; i < 300000; ++i) {
    uint64_t v = r.Below(3);
    ASSERT_LT(v, 3u);
    ++counts[v];
  }
  // Binomial sd ~ 258; 6 sd bounds.
  for (int c : counts) EXPECT_NEAR(c, 100000, 1600);
}

TEST(SplitMix64, UniformInUnitInterval) {
  SplitMix64 r(9);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
}

TEST(ThreadRandom, IsPerThreadAndUsable) {
  uint64_t a = ThreadRandom().Next(), b = ThreadRandom().Next();
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace modelgate
