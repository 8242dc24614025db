// Exact integer decoding: sign extension of every width from raw bytes, the full unsigned range,
// BOOL bytes, typed fields per datatype, and the errors.
#include "shadow/integer_contents.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "responses.h"

namespace modelgate::shadow {
namespace {

using payload::DataType;
using testing::Bytes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::LittleEndian;

std::vector<int64_t> Signed(DataType type, const std::string& raw, uint64_t count) {
  std::vector<int64_t> out;
  const absl::Status s = DecodeRawIntegers(type, raw, count, &out);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

std::vector<uint64_t> Unsigned(DataType type, const std::string& raw, uint64_t count) {
  std::vector<uint64_t> out;
  const absl::Status s = DecodeRawIntegers(type, raw, count, &out);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

TEST(DecodeRawIntegers, SignExtendsEveryWidth) {
  EXPECT_THAT(Signed(DataType::kInt8, Bytes({0xff, 0x80, 0x7f}), 3), ElementsAre(-1, -128, 127));
  EXPECT_THAT(Signed(DataType::kInt16, Bytes({0xfe, 0xff, 0x00, 0x80}), 2),
              ElementsAre(-2, -32768));
  EXPECT_THAT(Signed(DataType::kInt32, LittleEndian<int32_t>({-7, 1 << 30}), 2),
              ElementsAre(-7, 1 << 30));
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t near_max = (int64_t{1} << 62) + 1;  // not representable as a double
  EXPECT_THAT(Signed(DataType::kInt64, LittleEndian<int64_t>({min, near_max}), 2),
              ElementsAre(min, near_max));
}

TEST(DecodeRawIntegers, ReadsTheFullUnsignedRangeAndBool) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_THAT(Unsigned(DataType::kUint64, LittleEndian<uint64_t>({max, max - 1}), 2),
              ElementsAre(max, max - 1));
  EXPECT_THAT(Unsigned(DataType::kUint16, Bytes({0xff, 0xff}), 1), ElementsAre(65535));
  EXPECT_THAT(Unsigned(DataType::kBool, Bytes({1, 0}), 2), ElementsAre(1, 0));
}

TEST(DecodeRawIntegers, RejectsWrongSizesBoolBytesAndTheOtherDomain) {
  std::vector<int64_t> s;
  std::vector<uint64_t> u;
  EXPECT_THAT(DecodeRawIntegers(DataType::kInt32, Bytes({1, 2, 3}), 1, &s).message(),
              HasSubstr("raw contents hold 3 bytes, not 1 INT32 elements of 4 bytes"));
  EXPECT_THAT(DecodeRawIntegers(DataType::kBool, Bytes({2}), 1, &u).message(),
              HasSubstr("BOOL raw contents byte 0 is 2"));
  EXPECT_FALSE(DecodeRawIntegers(DataType::kUint8, Bytes({1}), 1, &s).ok());
  EXPECT_FALSE(DecodeRawIntegers(DataType::kInt8, Bytes({1}), 1, &u).ok());
  EXPECT_FALSE(DecodeRawIntegers(DataType::kFp32, Bytes({0, 0, 0, 0}), 1, &s).ok());
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(u.empty());
}

TEST(DecodeTypedIntegers, ReadsEachDatatypesField) {
  inference::InferTensorContents c;
  c.add_int64_contents(std::numeric_limits<int64_t>::max());
  std::vector<int64_t> s;
  ASSERT_TRUE(DecodeTypedIntegers(DataType::kInt64, c, 1, &s).ok());
  EXPECT_THAT(s, ElementsAre(std::numeric_limits<int64_t>::max()));

  inference::InferTensorContents i;
  i.add_int_contents(-3);
  s.clear();
  ASSERT_TRUE(DecodeTypedIntegers(DataType::kInt8, i, 1, &s).ok());
  EXPECT_THAT(s, ElementsAre(-3));

  inference::InferTensorContents u;
  u.add_uint_contents(4000000000u);
  std::vector<uint64_t> out;
  ASSERT_TRUE(DecodeTypedIntegers(DataType::kUint32, u, 1, &out).ok());
  EXPECT_THAT(out, ElementsAre(4000000000u));

  inference::InferTensorContents b;
  b.add_bool_contents(true);
  out.clear();
  ASSERT_TRUE(DecodeTypedIntegers(DataType::kBool, b, 1, &out).ok());
  EXPECT_THAT(out, ElementsAre(1u));
}

TEST(DecodeTypedIntegers, RejectsTheWrongFieldAndCount) {
  inference::InferTensorContents c;
  c.add_int_contents(1);  // INT64 belongs in int64_contents
  std::vector<int64_t> s;
  EXPECT_THAT(DecodeTypedIntegers(DataType::kInt64, c, 1, &s).message(),
              HasSubstr("INT64 values belong in int64_contents, but int_contents holds 1"));
  EXPECT_THAT(DecodeTypedIntegers(DataType::kInt32, c, 2, &s).message(),
              HasSubstr("int_contents holds 1 values, but the shape has 2 elements"));
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace modelgate::shadow
