// FloatText / BytesText: shortest round-trip text at the value's own precision, special values,
// and escaped, truncated strings.
#include "shadow/value_text.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace modelgate::shadow {
namespace {

TEST(FloatText, ShortestAtTheValuesPrecision) {
  EXPECT_EQ(FloatText(static_cast<double>(0.1f), true), "0.1");
  EXPECT_EQ(FloatText(static_cast<double>(0.1f), false), "0.10000000149011612");
  EXPECT_EQ(FloatText(0.1, false), "0.1");
  EXPECT_EQ(FloatText(-2.0, true), "-2");
  EXPECT_EQ(FloatText(std::numeric_limits<double>::quiet_NaN(), false), "nan");
  EXPECT_EQ(FloatText(-std::numeric_limits<double>::infinity(), true), "-inf");
}

TEST(BytesText, EscapesAndCutsLongElements) {
  EXPECT_EQ(BytesText(std::string("a\"\n\xff", 4)), "\"a\\\"\\n\\377\"");
  const std::string long_text(100, 'x');
  EXPECT_EQ(BytesText(long_text), "\"" + std::string(64, 'x') + "\"... (100 bytes)");
}

}  // namespace
}  // namespace modelgate::shadow
