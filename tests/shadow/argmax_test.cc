// CompareArgmax / ArgmaxRows: first maximum on ties, NaN scores skipped, rows of the last
// dimension, and no answer where argmax means nothing.
#include "shadow/argmax.h"

#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate::shadow {
namespace {

TensorData Floats(std::vector<double> values) {
  TensorData d;
  d.domain = TensorData::Domain::kFloat;
  d.count = values.size();
  d.floats = std::move(values);
  return d;
}

TEST(CompareArgmax, SkipsNanScores) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Primary row: NaN first, max at 2. Shadow: max at 2. A comparison that let NaN win (or
  // stick as the running best) would pick index 0 for the primary.
  const auto a = CompareArgmax(Floats({nan, 1, 5}), Floats({0, 1, 5}), std::vector<int64_t>{3});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->rows, 1);
  EXPECT_EQ(a->agreeing, 1);
}

TEST(CompareArgmax, UsesTheLastDimensionAsClasses) {
  // [2, 1, 3]: two blocks of one row of three classes each = 2 rows.
  const auto a = CompareArgmax(Floats({1, 2, 3, 3, 2, 1}), Floats({1, 2, 3, 1, 2, 3}),
                               std::vector<int64_t>{2, 1, 3});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->rows, 2);
  EXPECT_EQ(a->agreeing, 1);
}

TEST(CompareArgmax, IntegersToo) {
  TensorData p;
  p.domain = TensorData::Domain::kSigned;
  p.count = 2;
  p.signeds = {-5, -3};
  TensorData s = p;
  s.signeds = {-2, -3};
  const auto a = CompareArgmax(p, s, std::vector<int64_t>{2});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->agreeing, 0);
}

TEST(CompareArgmax, HasNoAnswerForScalarsEmptyClassesOrBytes) {
  EXPECT_FALSE(CompareArgmax(Floats({1}), Floats({1}), std::vector<int64_t>{}).has_value());
  EXPECT_FALSE(CompareArgmax(Floats({}), Floats({}), std::vector<int64_t>{4, 0}).has_value());
  TensorData bytes;
  bytes.domain = TensorData::Domain::kBytes;
  bytes.count = 1;
  bytes.bytes = {"a"};
  EXPECT_FALSE(CompareArgmax(bytes, bytes, std::vector<int64_t>{1}).has_value());
  EXPECT_EQ(ArgmaxRows(12, std::vector<int64_t>{3, 4}), 3);
  EXPECT_FALSE(ArgmaxRows(1, std::vector<int64_t>{}).has_value());
}

}  // namespace
}  // namespace modelgate::shadow
