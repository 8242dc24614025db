// ExtractOutput on `raw_output_contents`: every datatype from explicitly written little-endian
// bytes, FP16/BF16 special values, pairing with outputs by position, and typed and raw forms of
// the same tensor giving identical values (what a comparator of two backends relies on).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "payload/inference_v2.h"
#include "tensor_builders.h"

namespace modelgate::payload {
namespace {

using ::modelgate::payload::testing::AddOutput;
using ::modelgate::payload::testing::AddRawOutput;
using ::modelgate::payload::testing::Bytes;
using ::modelgate::payload::testing::LittleEndian;
using ::testing::ElementsAre;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The values of a single raw output tensor; fails the test on error.
std::vector<double> RawValues(const std::string& datatype, std::initializer_list<int64_t> shape,
                              const std::string& raw) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "t", datatype, shape, raw);
  auto t = ExtractOutput(response, "t");
  EXPECT_TRUE(t.ok()) << datatype << ": " << t.status();
  return t.ok() ? t->values : std::vector<double>{};
}

TEST(ExtractRaw, ReadsBoolAsOneBytePerElement) {
  EXPECT_THAT(RawValues("BOOL", {3}, Bytes({0x01, 0x00, 0x01})), ElementsAre(1, 0, 1));
}

TEST(ExtractRaw, ReadsUnsignedIntegersLittleEndian) {
  EXPECT_THAT(RawValues("UINT8", {2}, Bytes({0xff, 0x07})), ElementsAre(255, 7));
  EXPECT_THAT(RawValues("UINT16", {2}, Bytes({0x02, 0x01, 0xff, 0xff})), ElementsAre(258, 65535));
  EXPECT_THAT(RawValues("UINT32", {2}, Bytes({0x04, 0x03, 0x02, 0x01, 0xff, 0xff, 0xff, 0xff})),
              ElementsAre(16909060, 4294967295.0));
  EXPECT_THAT(RawValues("UINT64", {2},
                        Bytes({0x01, 0, 0, 0, 0, 0, 0, 0,  //
                               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
              ElementsAre(1, 18446744073709551616.0));  // 2^64 - 1 rounds to 2^64
}

TEST(ExtractRaw, ReadsNegativeSignedIntegersInTwosComplement) {
  EXPECT_THAT(RawValues("INT8", {3}, Bytes({0xff, 0x80, 0x7f})), ElementsAre(-1, -128, 127));
  EXPECT_THAT(RawValues("INT16", {3}, Bytes({0xfe, 0xff, 0x02, 0x01, 0x00, 0x80})),
              ElementsAre(-2, 258, -32768));
  EXPECT_THAT(
      RawValues("INT32", {3},
                Bytes({0xff, 0xff, 0xff, 0xff, 0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x00, 0x80})),
      ElementsAre(-1, 16909060, -2147483648.0));
  EXPECT_THAT(RawValues("INT64", {2},
                        Bytes({0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //
                               0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01})),
              ElementsAre(-2, static_cast<double>(INT64_C(0x0102030405060708))));
}

TEST(ExtractRaw, ReadsFp32AndFp64LittleEndian) {
  EXPECT_THAT(RawValues("FP32", {2}, Bytes({0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0})),
              ElementsAre(1.0, -2.5));
  EXPECT_THAT(RawValues("FP64", {2},
                        Bytes({0, 0, 0, 0, 0, 0, 0xf0, 0x3f,  //
                               0, 0, 0, 0, 0, 0, 0x04, 0xc0})),
              ElementsAre(1.0, -2.5));
}

TEST(ExtractRaw, ReadsFp16NormalSubnormalAndInfiniteValuesExactly) {
  const std::string raw = Bytes({
      0x00, 0x3c,  // 1.0
      0x00, 0xc1,  // -2.5
      0xff, 0x7b,  // 65504, the largest finite half
      0x01, 0x00,  // 2^-24, the smallest subnormal
      0xff, 0x03,  // 1023 × 2^-24, the largest subnormal
      0x00, 0x7c,  // +inf
      0x00, 0xfc,  // -inf
      0x00, 0x80,  // -0.0
  });
  const std::vector<double> v = RawValues("FP16", {8}, raw);
  ASSERT_EQ(v.size(), 8u);
  EXPECT_EQ(v[0], 1.0);
  EXPECT_EQ(v[1], -2.5);
  EXPECT_EQ(v[2], 65504.0);
  EXPECT_EQ(v[3], std::ldexp(1.0, -24));
  EXPECT_EQ(v[4], std::ldexp(1023.0, -24));
  EXPECT_EQ(v[5], kInf);
  EXPECT_EQ(v[6], -kInf);
  EXPECT_EQ(v[7], 0.0);
  EXPECT_TRUE(std::signbit(v[7]));
}

TEST(ExtractRaw, ReadsFp16NanAsNan) {
  const std::vector<double> v = RawValues("FP16", {2}, Bytes({0x00, 0x7e, 0x01, 0xfc}));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_TRUE(std::isnan(v[1]));  // signalling NaN payload, negative sign
}

TEST(ExtractRaw, ReadsBf16AsUpperHalfOfFloat) {
  EXPECT_THAT(RawValues("BF16", {3}, Bytes({0x80, 0x3f, 0x20, 0xc0, 0x80, 0x7f})),
              ElementsAre(1.0, -2.5, kInf));
}

TEST(ExtractRaw, PairsRawEntriesWithOutputsByPosition) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "labels", "INT32", {2}, Bytes({1, 0, 0, 0, 2, 0, 0, 0}));
  AddRawOutput(&response, "probs", "FP32", {1}, Bytes({0x00, 0x00, 0x80, 0x3f}));
  AddRawOutput(&response, "mask", "UINT8", {3}, Bytes({9, 8, 7}));
  auto probs = ExtractOutput(response, "probs");
  ASSERT_TRUE(probs.ok()) << probs.status();
  EXPECT_THAT(probs->values, ElementsAre(1.0));
  auto mask = ExtractOutput(response, "mask");
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_THAT(mask->values, ElementsAre(9, 8, 7));
  auto first = ExtractOutput(response, "");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->name, "labels");
  EXPECT_THAT(first->values, ElementsAre(1, 2));
}

TEST(ExtractRaw, KeepsRowMajorOrderForMatrices) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "m", "INT16", {2, 2}, LittleEndian<int16_t>({1, -2, 3, -4}));
  auto t = ExtractOutput(response, "m");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->shape, ElementsAre(2, 2));
  EXPECT_THAT(t->values, ElementsAre(1, -2, 3, -4));
}

TEST(ExtractRaw, ReadsScalarFromEmptyShape) {
  EXPECT_THAT(RawValues("FP64", {}, LittleEndian<double>({3.25})), ElementsAre(3.25));
}

TEST(ExtractRaw, AcceptsEmptyRawEntryForZeroElements) {
  EXPECT_THAT(RawValues("FP32", {0, 3}, ""), ::testing::IsEmpty());
}

// The same tensor sent typed by one backend and raw by another (Triton always answers raw)
// must normalise to the same doubles, bit for bit.
class TypedRawEquivalence : public ::testing::Test {
 protected:
  static void ExpectSame(const inference::ModelInferResponse& typed,
                         const inference::ModelInferResponse& raw) {
    auto a = ExtractOutput(typed, "t");
    auto b = ExtractOutput(raw, "t");
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(a->datatype, b->datatype);
    EXPECT_EQ(a->shape, b->shape);
    ASSERT_EQ(a->values.size(), b->values.size());
    for (size_t i = 0; i < a->values.size(); ++i) {
      if (std::isnan(a->values[i])) {
        EXPECT_TRUE(std::isnan(b->values[i])) << a->datatype << " element " << i;
      } else {
        EXPECT_EQ(a->values[i], b->values[i]) << a->datatype << " element " << i;
        EXPECT_EQ(std::signbit(a->values[i]), std::signbit(b->values[i]));
      }
    }
  }

  // Builds both forms of output "t" from `values`: typed through `add`, raw from their bytes.
  template <typename T, typename Add>
  static void Check(const std::string& datatype, const std::vector<T>& values, Add add) {
    inference::ModelInferResponse typed, raw;
    const int64_t n = static_cast<int64_t>(values.size());
    auto* contents = AddOutput(&typed, "t", datatype, {1, n})->mutable_contents();
    for (const T& v : values) add(contents, v);
    AddRawOutput(&raw, "t", datatype, {1, n}, LittleEndian(values));
    ExpectSame(typed, raw);
  }
};

TEST_F(TypedRawEquivalence, IntegerTypesGiveIdenticalValues) {
  using C = inference::InferTensorContents;
  const std::vector<int8_t> i8 = {-128, -1, 0, 1, 127};
  Check("INT8", i8, [](C* c, int8_t v) { c->add_int_contents(v); });
  const std::vector<int16_t> i16 = {-32768, -300, 0, 300, 32767};
  Check("INT16", i16, [](C* c, int16_t v) { c->add_int_contents(v); });
  const std::vector<int32_t> i32 = {std::numeric_limits<int32_t>::min(), -70000, 0, 70000,
                                    std::numeric_limits<int32_t>::max()};
  Check("INT32", i32, [](C* c, int32_t v) { c->add_int_contents(v); });
  const std::vector<int64_t> i64 = {std::numeric_limits<int64_t>::min(), -(INT64_C(1) << 53) - 1, 0,
                                    INT64_C(1) << 40, std::numeric_limits<int64_t>::max()};
  Check("INT64", i64, [](C* c, int64_t v) { c->add_int64_contents(v); });
  const std::vector<uint8_t> u8 = {0, 1, 200, 255};
  Check("UINT8", u8, [](C* c, uint8_t v) { c->add_uint_contents(v); });
  const std::vector<uint16_t> u16 = {0, 1, 40000, 65535};
  Check("UINT16", u16, [](C* c, uint16_t v) { c->add_uint_contents(v); });
  const std::vector<uint32_t> u32 = {0, 1, 3000000000u, std::numeric_limits<uint32_t>::max()};
  Check("UINT32", u32, [](C* c, uint32_t v) { c->add_uint_contents(v); });
  const std::vector<uint64_t> u64 = {0, (UINT64_C(1) << 53) + 1,
                                     std::numeric_limits<uint64_t>::max()};
  Check("UINT64", u64, [](C* c, uint64_t v) { c->add_uint64_contents(v); });
  const std::vector<uint8_t> bools = {1, 0, 0, 1};
  Check("BOOL", bools, [](C* c, uint8_t v) { c->add_bool_contents(v != 0); });
}

TEST_F(TypedRawEquivalence, FloatingTypesGiveIdenticalValues) {
  using C = inference::InferTensorContents;
  const std::vector<float> f32 = {0.1f,
                                  -0.0f,
                                  std::numeric_limits<float>::denorm_min(),
                                  std::numeric_limits<float>::max(),
                                  -std::numeric_limits<float>::infinity(),
                                  std::numeric_limits<float>::quiet_NaN()};
  Check("FP32", f32, [](C* c, float v) { c->add_fp32_contents(v); });
  const std::vector<double> f64 = {0.1,
                                   -0.0,
                                   std::numeric_limits<double>::denorm_min(),
                                   std::numeric_limits<double>::max(),
                                   kInf,
                                   std::numeric_limits<double>::quiet_NaN()};
  Check("FP64", f64, [](C* c, double v) { c->add_fp64_contents(v); });
}

}  // namespace
}  // namespace modelgate::payload
