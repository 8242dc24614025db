// FP16/BF16 decoding checked on all 65536 bit patterns: FP16 against the compiler's own
// _Float16 conversion (an independent implementation), BF16 against float widening.
#include "payload/half_float.h"

#include <bit>
#include <cmath>
#include <cstdint>

#include "gtest/gtest.h"

namespace modelgate::payload {
namespace {

// Same value, or both NaN; zeros must also agree in sign.
::testing::AssertionResult SameValue(double actual, double expected) {
  if (std::isnan(expected) ? std::isnan(actual)
                           : actual == expected && std::signbit(actual) == std::signbit(expected)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << actual << " != " << expected;
}

TEST(HalfFloat, MatchesCompilerHalfConversionOnEveryBitPattern) {
#ifdef __FLT16_MAX__
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const auto h = static_cast<uint16_t>(bits);
    const double expected = static_cast<double>(std::bit_cast<_Float16>(h));
    ASSERT_TRUE(SameValue(HalfToDouble(h), expected)) << "bits 0x" << std::hex << bits;
  }
#else
  GTEST_SKIP() << "compiler has no _Float16 to compare against";
#endif
}

TEST(HalfFloat, DecodesReferencePointsByDefinition) {
  EXPECT_EQ(HalfToDouble(0x3c00), 1.0);
  EXPECT_EQ(HalfToDouble(0xc100), -2.5);
  EXPECT_EQ(HalfToDouble(0x7bff), 65504.0);
  EXPECT_EQ(HalfToDouble(0x0400), std::ldexp(1.0, -14));  // smallest normal
  EXPECT_EQ(HalfToDouble(0x0001), std::ldexp(1.0, -24));  // smallest subnormal
  EXPECT_EQ(HalfToDouble(0x8001), -std::ldexp(1.0, -24));
  EXPECT_EQ(HalfToDouble(0x3555), (1.0 + 0x155 / 1024.0) / 4);  // 0.333251953125
  EXPECT_TRUE(std::isinf(HalfToDouble(0x7c00)));
  EXPECT_TRUE(std::isnan(HalfToDouble(0x7c01)));
  EXPECT_TRUE(std::signbit(HalfToDouble(0x8000)));
}

TEST(Bfloat16, EqualsTheFloatWithTheSameUpperBitsOnEveryBitPattern) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const double expected = static_cast<double>(std::bit_cast<float>(bits << 16));
    ASSERT_TRUE(SameValue(Bfloat16ToDouble(static_cast<uint16_t>(bits)), expected))
        << "bits 0x" << std::hex << bits;
  }
}

TEST(Bfloat16, DecodesReferencePoints) {
  EXPECT_EQ(Bfloat16ToDouble(0x3f80), 1.0);
  EXPECT_EQ(Bfloat16ToDouble(0xc020), -2.5);
  EXPECT_EQ(Bfloat16ToDouble(0x0001), std::ldexp(1.0, -133));  // smallest subnormal
}

}  // namespace
}  // namespace modelgate::payload
