// ExtractOutput on typed `contents`: each datatype read from its own repeated field, shapes
// (scalar, empty, multi-dimensional) and output lookup by name.
#include <cmath>
#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "payload/inference_v2.h"
#include "tensor_builders.h"

namespace modelgate::payload {
namespace {

using ::modelgate::payload::testing::AddOutput;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ExtractTyped, ReadsBoolContentsAsZeroAndOne) {
  inference::ModelInferResponse response;
  auto* c = AddOutput(&response, "flags", "BOOL", {3})->mutable_contents();
  c->add_bool_contents(true);
  c->add_bool_contents(false);
  c->add_bool_contents(true);
  auto t = ExtractOutput(response, "flags");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name, "flags");
  EXPECT_EQ(t->datatype, "BOOL");
  EXPECT_THAT(t->shape, ElementsAre(3));
  EXPECT_THAT(t->values, ElementsAre(1.0, 0.0, 1.0));
}

TEST(ExtractTyped, ReadsInt8Int16Int32FromIntContents) {
  for (const char* datatype : {"INT8", "INT16", "INT32"}) {
    inference::ModelInferResponse response;
    auto* c = AddOutput(&response, "x", datatype, {3})->mutable_contents();
    c->add_int_contents(-5);
    c->add_int_contents(0);
    c->add_int_contents(std::numeric_limits<int32_t>::min());
    auto t = ExtractOutput(response, "x");
    ASSERT_TRUE(t.ok()) << datatype << ": " << t.status();
    EXPECT_THAT(t->values, ElementsAre(-5.0, 0.0, -2147483648.0)) << datatype;
  }
}

TEST(ExtractTyped, ReadsInt64FromInt64Contents) {
  inference::ModelInferResponse response;
  auto* c = AddOutput(&response, "x", "INT64", {2})->mutable_contents();
  c->add_int64_contents(-9007199254740992);  // -2^53: still exact as a double
  c->add_int64_contents(42);
  auto t = ExtractOutput(response, "x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values, ElementsAre(-9007199254740992.0, 42.0));
}

TEST(ExtractTyped, ReadsUint8Uint16Uint32FromUintContents) {
  for (const char* datatype : {"UINT8", "UINT16", "UINT32"}) {
    inference::ModelInferResponse response;
    auto* c = AddOutput(&response, "x", datatype, {2})->mutable_contents();
    c->add_uint_contents(7);
    c->add_uint_contents(std::numeric_limits<uint32_t>::max());
    auto t = ExtractOutput(response, "x");
    ASSERT_TRUE(t.ok()) << datatype << ": " << t.status();
    EXPECT_THAT(t->values, ElementsAre(7.0, 4294967295.0)) << datatype;
  }
}

TEST(ExtractTyped, ReadsUint64FromUint64Contents) {
  inference::ModelInferResponse response;
  auto* c = AddOutput(&response, "x", "UINT64", {2})->mutable_contents();
  c->add_uint64_contents(1);
  c->add_uint64_contents(std::numeric_limits<uint64_t>::max());
  auto t = ExtractOutput(response, "x");
  ASSERT_TRUE(t.ok()) << t.status();
  // 2^64 - 1 has no double; it rounds to 2^64 (documented precision loss beyond 2^53).
  EXPECT_THAT(t->values, ElementsAre(1.0, 18446744073709551616.0));
}

TEST(ExtractTyped, ReadsFp32ExactlyIncludingSpecialValues) {
  inference::ModelInferResponse response;
  auto* c = AddOutput(&response, "x", "FP32", {4})->mutable_contents();
  c->add_fp32_contents(0.1f);
  c->add_fp32_contents(-0.0f);
  c->add_fp32_contents(std::numeric_limits<float>::infinity());
  c->add_fp32_contents(std::numeric_limits<float>::quiet_NaN());
  auto t = ExtractOutput(response, "x");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->values.size(), 4u);
  EXPECT_EQ(t->values[0], static_cast<double>(0.1f));  // the float's value, not 0.1
  EXPECT_TRUE(std::signbit(t->values[1]));
  EXPECT_EQ(t->values[2], std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(t->values[3]));
}

TEST(ExtractTyped, ReadsFp64FromFp64Contents) {
  inference::ModelInferResponse response;
  auto* c = AddOutput(&response, "x", "FP64", {2})->mutable_contents();
  c->add_fp64_contents(0.1);
  c->add_fp64_contents(-1e300);
  auto t = ExtractOutput(response, "x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values, ElementsAre(0.1, -1e300));
}

TEST(ExtractTyped, KeepsMultiDimensionalValuesRowMajorAndReportsShape) {
  inference::ModelInferResponse response;
  auto* c = AddOutput(&response, "m", "FP64", {2, 3})->mutable_contents();
  for (int i = 0; i < 6; ++i) c->add_fp64_contents(i);
  auto t = ExtractOutput(response, "m");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->shape, ElementsAre(2, 3));
  EXPECT_THAT(t->values, ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST(ExtractTyped, TreatsEmptyShapeAsScalarWithOneElement) {
  inference::ModelInferResponse response;
  AddOutput(&response, "score", "FP32", {})->mutable_contents()->add_fp32_contents(0.75f);
  auto t = ExtractOutput(response, "score");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->shape, IsEmpty());
  EXPECT_THAT(t->values, ElementsAre(0.75));
}

TEST(ExtractTyped, AcceptsZeroSizedDimensionWithNoValues) {
  inference::ModelInferResponse response;
  AddOutput(&response, "none", "INT32", {0, 4});
  auto t = ExtractOutput(response, "none");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->shape, ElementsAre(0, 4));
  EXPECT_THAT(t->values, IsEmpty());
}

TEST(ExtractTyped, AcceptsPresentButEmptyContentsForZeroElements) {
  inference::ModelInferResponse response;
  AddOutput(&response, "none", "FP32", {0})->mutable_contents();
  auto t = ExtractOutput(response, "none");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values, IsEmpty());
}

TEST(ExtractTyped, EmptyNameSelectsFirstOutput) {
  inference::ModelInferResponse response;
  AddOutput(&response, "first", "INT64", {1})->mutable_contents()->add_int64_contents(1);
  AddOutput(&response, "second", "INT64", {1})->mutable_contents()->add_int64_contents(2);
  auto t = ExtractOutput(response, "");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name, "first");
  EXPECT_THAT(t->values, ElementsAre(1.0));
}

TEST(ExtractTyped, PicksTheNamedOutputAmongSeveral) {
  inference::ModelInferResponse response;
  AddOutput(&response, "labels", "INT32", {2})->mutable_contents()->add_int_contents(3);
  response.mutable_outputs(0)->mutable_contents()->add_int_contents(4);
  AddOutput(&response, "probs", "FP32", {1})->mutable_contents()->add_fp32_contents(0.5f);
  auto t = ExtractOutput(response, "probs");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name, "probs");
  EXPECT_EQ(t->datatype, "FP32");
  EXPECT_THAT(t->values, ElementsAre(0.5));
}

TEST(ExtractTyped, ValidatesOnlyTheRequestedTensor) {
  // A BYTES output next to the monitored one must not make the monitored one unreadable.
  inference::ModelInferResponse response;
  AddOutput(&response, "text", "BYTES", {1})->mutable_contents()->add_bytes_contents("hi");
  AddOutput(&response, "score", "FP32", {1})->mutable_contents()->add_fp32_contents(2.0f);
  auto t = ExtractOutput(response, "score");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values, ElementsAre(2.0));
}

}  // namespace
}  // namespace modelgate::payload
