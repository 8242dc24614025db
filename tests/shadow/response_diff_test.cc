// DiffInferResponses / DiffBytes: byte equality, typed-vs-raw normalisation, tolerances, every
// kind of tensor difference, exact integers beyond 2^53, BYTES, argmax agreement and parse
// errors that name the side.
#include "shadow/response_diff.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "payload/inference_v2.h"
#include "responses.h"

namespace modelgate::shadow {
namespace {

using testing::AddBytes;
using testing::AddFp32;
using testing::AddFp64;
using testing::AddInt64;
using testing::AddOutput;
using testing::AddRawOutput;
using testing::Bytes;
using ::testing::HasSubstr;
using testing::LittleEndian;
using testing::RawBytesElements;
using testing::Response;
using testing::Serialize;
using ::testing::StartsWith;

// Diffs two responses with `settings`; fails the test when they do not parse.
ResponseDiff Diff(const Response& primary, const Response& shadow,
                  const CompareSettings& settings = {}) {
  absl::StatusOr<ResponseDiff> diff =
      DiffInferResponses(Serialize(primary), Serialize(shadow), settings);
  EXPECT_TRUE(diff.ok()) << diff.status();
  return diff.ok() ? *diff : ResponseDiff{};
}

Response TwoOutputs() {
  Response r;
  r.set_model_name("m");
  r.set_model_version("1");
  AddFp32(&r, "scores", {2, 2}, {0.25f, 0.5f, 0.75f, 1.0f});
  AddFp32(&r, "embedding", {3}, {1.0f, 2.0f, 3.0f});
  return r;
}

TEST(DiffInferResponses, IdenticalResponsesAreBytesEqualWithEveryTensorEqual) {
  const ResponseDiff diff = Diff(TwoOutputs(), TwoOutputs());
  EXPECT_TRUE(diff.bytes_equal);
  EXPECT_TRUE(diff.decoded);
  EXPECT_FALSE(diff.Differs());
  ASSERT_EQ(diff.tensors.size(), 2u);
  EXPECT_EQ(diff.tensors[0].name, "scores");
  EXPECT_EQ(diff.tensors[1].name, "embedding");
  for (const TensorDiff& t : diff.tensors) {
    EXPECT_EQ(t.kind, TensorDiffKind::kEqual) << t.name;
    EXPECT_EQ(t.max_abs_error, 0) << t.name;
    EXPECT_FALSE(t.first_difference.has_value()) << t.name;
  }
  // Byte-equal pairs still report element counts, like any decoded equal pair.
  EXPECT_EQ(diff.tensors[0].elements, 4);
  EXPECT_EQ(diff.tensors[0].elements_equal, 4);
  EXPECT_EQ(diff.tensors[1].elements, 3);
}

TEST(DiffInferResponses, SameValuesTypedAndRawAreEqualButNotBytesEqual) {
  const std::vector<float> values = {1.5f, -2.25f, 0.1f, 3e-8f};
  Response raw;
  AddRawOutput(&raw, "y", "FP32", {4}, LittleEndian<float>(values));
  Response typed;
  AddFp32(&typed, "y", {4}, values);
  for (const auto& [primary, shadow] : {std::pair{raw, typed}, std::pair{typed, raw}}) {
    const ResponseDiff diff = Diff(primary, shadow);
    EXPECT_FALSE(diff.bytes_equal);
    EXPECT_FALSE(diff.Differs());
    ASSERT_EQ(diff.tensors.size(), 1u);
    EXPECT_EQ(diff.tensors[0].kind, TensorDiffKind::kEqual);
    EXPECT_EQ(diff.tensors[0].elements_equal, 4);
  }
}

TEST(DiffInferResponses, ShiftedValuesAreAValueMismatchOnThatTensorOnly) {
  Response primary = TwoOutputs();
  Response shadow = TwoOutputs();
  // 0.5 is exact in binary, so the error is exactly the shift.
  for (int i = 0; i < 3; ++i) {
    auto* v = shadow.mutable_outputs(1)->mutable_contents()->mutable_fp32_contents();
    v->Set(i, v->Get(i) + 0.5f);
  }
  const ResponseDiff diff = Diff(primary, shadow);
  EXPECT_TRUE(diff.Differs());
  ASSERT_EQ(diff.tensors.size(), 2u);
  EXPECT_EQ(diff.tensors[0].kind, TensorDiffKind::kEqual);
  const TensorDiff& e = diff.tensors[1];
  EXPECT_EQ(e.name, "embedding");
  EXPECT_EQ(e.kind, TensorDiffKind::kValueMismatch);
  EXPECT_EQ(e.elements, 3);
  EXPECT_EQ(e.elements_within_tolerance, 0);
  EXPECT_EQ(e.max_abs_error, 0.5);
  EXPECT_EQ(e.sum_abs_error, 1.5);
  EXPECT_EQ(e.error_elements, 3);
  EXPECT_EQ(e.max_rel_error, 0.5);  // 0.5 / |1|
  ASSERT_TRUE(e.first_difference.has_value());
  EXPECT_EQ(e.first_difference->index, 0);
  EXPECT_EQ(e.first_difference->primary, "1");
  EXPECT_EQ(e.first_difference->shadow, "1.5");
}

TEST(DiffInferResponses, SmallDifferencesWithinTheToleranceAgree) {
  CompareSettings settings;  // atol 1e-6, rtol 1e-4: at |p| = 1000 the bound is 0.100001
  Response primary;
  AddFp64(&primary, "y", {3}, {1000.0, 0.0, -2.0});
  Response shadow;
  AddFp64(&shadow, "y", {3}, {1000.0625, 5e-7, -2.0});
  ResponseDiff diff = Diff(primary, shadow, settings);
  ASSERT_EQ(diff.tensors.size(), 1u);
  const TensorDiff& t = diff.tensors[0];
  EXPECT_EQ(t.kind, TensorDiffKind::kWithinTolerance);
  EXPECT_FALSE(diff.Differs());
  EXPECT_EQ(t.elements_within_tolerance, 3);
  EXPECT_EQ(t.elements_equal, 1);
  EXPECT_EQ(t.max_abs_error, 0.0625);
  // Relative error skips the zero primary: 0.0625 / 1000, not 5e-7 / 0.
  EXPECT_EQ(t.rel_error_elements, 2);
  EXPECT_DOUBLE_EQ(t.max_rel_error, 0.0625 / 1000);
  ASSERT_TRUE(t.first_difference.has_value());  // the first inexact element, as a near miss
  EXPECT_EQ(t.first_difference->index, 0);

  // The same shift beyond the bound is a mismatch, and the sample shows the offending element.
  shadow.mutable_outputs(0)->mutable_contents()->set_fp64_contents(2, -2.001);
  diff = Diff(primary, shadow, settings);
  EXPECT_EQ(diff.tensors[0].kind, TensorDiffKind::kValueMismatch);
  EXPECT_EQ(diff.tensors[0].elements_within_tolerance, 2);
  EXPECT_EQ(diff.tensors[0].first_difference->index, 2);
  EXPECT_EQ(diff.tensors[0].first_difference->shadow, "-2.001");

  // A tighter relative tolerance turns the first element into a mismatch too.
  settings.relative_tolerance = 1e-6;
  diff = Diff(primary, shadow, settings);
  EXPECT_EQ(diff.tensors[0].elements_within_tolerance, 1);
  EXPECT_EQ(diff.tensors[0].first_difference->index, 0);
}

TEST(DiffInferResponses, NanAgreesOnlyWithNanAndAddsNoError) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Response primary;
  AddFp64(&primary, "y", {3}, {nan, nan, 1.0});
  Response shadow;
  AddFp64(&shadow, "y", {3}, {nan, 1.0, 1.0});
  const TensorDiff t = Diff(primary, shadow).tensors.at(0);
  EXPECT_EQ(t.kind, TensorDiffKind::kValueMismatch);
  EXPECT_EQ(t.elements_equal, 2);
  EXPECT_EQ(t.error_elements, 1);  // only the finite pair
  EXPECT_EQ(t.max_abs_error, 0);
  EXPECT_EQ(t.first_difference->primary, "nan");
}

TEST(DiffInferResponses, DifferentShapesAreAShapeMismatch) {
  Response primary;
  AddFp32(&primary, "y", {2, 3}, {1, 2, 3, 4, 5, 6});
  Response shadow;
  AddFp32(&shadow, "y", {3, 2}, {1, 2, 3, 4, 5, 6});
  const TensorDiff t = Diff(primary, shadow).tensors.at(0);
  EXPECT_EQ(t.kind, TensorDiffKind::kShapeMismatch);
  EXPECT_EQ(t.detail, "shape [2, 3] vs [3, 2]");
  EXPECT_EQ(t.elements, 0);
}

TEST(DiffInferResponses, DifferentDatatypesAreADatatypeMismatchEvenWithEqualValues) {
  Response primary;
  AddFp32(&primary, "y", {2}, {1, 2});
  Response shadow;
  AddFp64(&shadow, "y", {2}, {1, 2});
  const ResponseDiff diff = Diff(primary, shadow);
  EXPECT_EQ(diff.tensors.at(0).kind, TensorDiffKind::kDatatypeMismatch);
  EXPECT_EQ(diff.tensors.at(0).detail, "datatype FP32 vs FP64");
  EXPECT_TRUE(diff.Differs());
}

TEST(DiffInferResponses, MissingOutputsComeInPrimaryOrderAndExtraOnesLast) {
  Response primary;
  AddFp32(&primary, "a", {1}, {1});
  AddFp32(&primary, "b", {1}, {2});
  Response shadow;
  AddFp32(&shadow, "c", {1}, {3});
  AddFp32(&shadow, "b", {1}, {2});
  const ResponseDiff diff = Diff(primary, shadow);
  ASSERT_EQ(diff.tensors.size(), 3u);
  EXPECT_EQ(diff.tensors[0].name, "a");
  EXPECT_EQ(diff.tensors[0].kind, TensorDiffKind::kMissingInShadow);
  EXPECT_EQ(diff.tensors[1].name, "b");
  EXPECT_EQ(diff.tensors[1].kind, TensorDiffKind::kEqual);
  EXPECT_EQ(diff.tensors[2].name, "c");
  EXPECT_EQ(diff.tensors[2].kind, TensorDiffKind::kExtraInShadow);
}

TEST(DiffInferResponses, RepeatedNamesPairByOccurrence) {
  Response primary;
  AddFp32(&primary, "x", {1}, {1});
  AddFp32(&primary, "x", {1}, {2});
  Response shadow;
  AddFp32(&shadow, "x", {1}, {1});
  const ResponseDiff diff = Diff(primary, shadow);
  ASSERT_EQ(diff.tensors.size(), 2u);
  EXPECT_EQ(diff.tensors[0].kind, TensorDiffKind::kEqual);
  EXPECT_EQ(diff.tensors[1].kind, TensorDiffKind::kMissingInShadow);
}

TEST(DiffInferResponses, IgnoredOutputsAreLeftOutOnBothSides) {
  Response primary;
  AddFp32(&primary, "y", {1}, {1});
  AddFp32(&primary, "timestamp", {1}, {100});
  Response shadow;
  AddFp32(&shadow, "y", {1}, {1});
  AddFp32(&shadow, "timestamp", {1}, {200});
  AddFp32(&shadow, "debug", {1}, {0});
  CompareSettings settings;
  settings.ignore_outputs = {"timestamp", "debug"};
  const ResponseDiff diff = Diff(primary, shadow, settings);
  ASSERT_EQ(diff.tensors.size(), 1u);
  EXPECT_EQ(diff.tensors[0].name, "y");
  EXPECT_FALSE(diff.Differs());
}

TEST(DiffInferResponses, Int64BeyondTwoToThe53CompareExactly) {
  const int64_t big = int64_t{1} << 53;
  Response primary;
  AddInt64(&primary, "ids", {2}, {big, -big});
  Response shadow;  // raw on this side: both decoders must be exact
  AddRawOutput(&shadow, "ids", "INT64", {2}, LittleEndian<int64_t>({big + 1, -big}));

  // As doubles (what payload::ExtractOutput gives) the two are indistinguishable...
  auto as_double = payload::ExtractOutput(shadow, "ids");
  ASSERT_TRUE(as_double.ok());
  EXPECT_EQ(as_double->values[0], static_cast<double>(big));
  // ...but the diff sees them.
  const TensorDiff t = Diff(primary, shadow).tensors.at(0);
  EXPECT_EQ(t.kind, TensorDiffKind::kValueMismatch);
  EXPECT_EQ(t.elements_equal, 1);
  EXPECT_EQ(t.max_abs_error, 1);
  ASSERT_TRUE(t.first_difference.has_value());
  EXPECT_EQ(t.first_difference->primary, "9007199254740992");
  EXPECT_EQ(t.first_difference->shadow, "9007199254740993");
}

TEST(DiffInferResponses, IntegersIgnoreTheTolerance) {
  CompareSettings loose;
  loose.absolute_tolerance = 10;
  Response primary;
  AddInt64(&primary, "label", {1}, {3});
  Response shadow;
  AddInt64(&shadow, "label", {1}, {4});
  EXPECT_EQ(Diff(primary, shadow, loose).tensors.at(0).kind, TensorDiffKind::kValueMismatch);
}

TEST(DiffInferResponses, Uint64ExtremesAndBoolCompareExactly) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  Response primary;
  auto* u = AddOutput(&primary, "u", "UINT64", {1});
  u->mutable_contents()->add_uint64_contents(max);
  auto* b = AddOutput(&primary, "b", "BOOL", {2});
  b->mutable_contents()->add_bool_contents(true);
  b->mutable_contents()->add_bool_contents(false);
  Response shadow;
  AddRawOutput(&shadow, "u", "UINT64", {1}, LittleEndian<uint64_t>({max - 1}));
  AddRawOutput(&shadow, "b", "BOOL", {2}, Bytes({1, 0}));
  const ResponseDiff diff = Diff(primary, shadow);
  EXPECT_EQ(diff.tensors.at(0).kind, TensorDiffKind::kValueMismatch);
  EXPECT_EQ(diff.tensors.at(0).first_difference->shadow, "18446744073709551614");
  EXPECT_EQ(diff.tensors.at(1).kind, TensorDiffKind::kEqual);
}

TEST(DiffInferResponses, BytesTensorsCompareElementWiseAcrossTypedAndRaw) {
  Response primary;
  AddBytes(&primary, "labels", {3}, {"cat", "", std::string("a\0b", 3)});
  Response same;
  AddRawOutput(&same, "labels", "BYTES", {3},
               RawBytesElements({"cat", "", std::string("a\0b", 3)}));
  ResponseDiff diff = Diff(primary, same);
  ASSERT_EQ(diff.tensors.size(), 1u);
  EXPECT_EQ(diff.tensors[0].kind, TensorDiffKind::kEqual);
  EXPECT_EQ(diff.tensors[0].elements, 3);
  EXPECT_FALSE(diff.tensors[0].numeric);

  Response other;
  AddRawOutput(&other, "labels", "BYTES", {3},
               RawBytesElements({"cat", "", std::string("a\0c", 3)}));
  diff = Diff(primary, other);
  EXPECT_EQ(diff.tensors[0].kind, TensorDiffKind::kValueMismatch);
  EXPECT_EQ(diff.tensors[0].elements_equal, 2);
  ASSERT_TRUE(diff.tensors[0].first_difference.has_value());
  EXPECT_EQ(diff.tensors[0].first_difference->index, 2);
  EXPECT_EQ(diff.tensors[0].first_difference->primary, "\"a\\000b\"");
  EXPECT_EQ(diff.tensors[0].first_difference->shadow, "\"a\\000c\"");
}

TEST(DiffInferResponses, ArgmaxCountsRowsWhoseFirstMaximumAgrees) {
  CompareSettings settings;
  settings.argmax_outputs = {"probs"};
  Response primary;
  AddFp32(&primary, "probs", {3, 4},
          {0.1f, 0.7f, 0.1f, 0.1f,    // argmax 1
           0.4f, 0.3f, 0.2f, 0.1f,    // argmax 0
           0.1f, 0.4f, 0.4f, 0.1f});  // tie: the first maximum, 1
  Response shadow;
  AddFp32(&shadow, "probs", {3, 4},
          {0.1f, 0.6f, 0.2f, 0.1f,    // scores moved, argmax still 1
           0.3f, 0.4f, 0.2f, 0.1f,    // argmax changed to 1
           0.1f, 0.4f, 0.3f, 0.2f});  // argmax 1: agrees only under first-maximum ties
  AddFp32(&primary, "other", {2, 2}, {1, 2, 3, 4});
  AddFp32(&shadow, "other", {2, 2}, {2, 1, 3, 4});
  const ResponseDiff diff = Diff(primary, shadow, settings);
  const TensorDiff& probs = diff.tensors.at(0);
  EXPECT_TRUE(probs.argmax);
  EXPECT_EQ(probs.argmax_rows, 3);
  EXPECT_EQ(probs.argmax_rows_agreeing, 2);
  EXPECT_EQ(probs.kind, TensorDiffKind::kValueMismatch);  // values are judged separately
  const TensorDiff& other = diff.tensors.at(1);
  EXPECT_FALSE(other.argmax);  // not listed
  EXPECT_EQ(other.argmax_rows, 0);

  // Byte-identical responses still count their rows (all agreeing).
  const ResponseDiff same = Diff(primary, primary, settings);
  EXPECT_TRUE(same.bytes_equal);
  EXPECT_EQ(same.tensors.at(0).argmax_rows, 3);
  EXPECT_EQ(same.tensors.at(0).argmax_rows_agreeing, 3);
}

TEST(DiffInferResponses, MalformedContentsAreUndecodableNamingTheSide) {
  Response primary;
  AddFp32(&primary, "y", {2}, {1, 2});
  Response shadow;
  AddRawOutput(&shadow, "y", "FP32", {2}, Bytes({0, 0, 0}));  // 3 bytes for 2 floats
  const ResponseDiff diff = Diff(primary, shadow);
  const TensorDiff& t = diff.tensors.at(0);
  EXPECT_EQ(t.kind, TensorDiffKind::kUndecodable);
  EXPECT_THAT(t.detail, StartsWith("shadow: raw contents hold 3 bytes"));
  EXPECT_TRUE(diff.Differs());

  const TensorDiff reversed = Diff(shadow, primary).tensors.at(0);
  EXPECT_THAT(reversed.detail, StartsWith("primary: "));
}

TEST(DiffInferResponses, UnparsableBytesAreAnErrorNamingTheSide) {
  const absl::Cord valid = Serialize(TwoOutputs());
  const absl::Cord garbage(std::string("\xff\xff\xff\xff\xff", 5));

  absl::StatusOr<ResponseDiff> diff = DiffInferResponses(garbage, valid, {});
  ASSERT_FALSE(diff.ok());
  EXPECT_EQ(diff.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(diff.status().message()), StartsWith("primary response: "));
  EXPECT_THAT(std::string(diff.status().message()), ::testing::Not(HasSubstr("shadow")));
  EXPECT_TRUE(UnparsableSidesOf(diff.status()).primary);
  EXPECT_FALSE(UnparsableSidesOf(diff.status()).shadow);

  diff = DiffInferResponses(valid, garbage, {});
  ASSERT_FALSE(diff.ok());
  EXPECT_THAT(std::string(diff.status().message()), StartsWith("shadow response: "));
  EXPECT_FALSE(UnparsableSidesOf(diff.status()).primary);
  EXPECT_TRUE(UnparsableSidesOf(diff.status()).shadow);

  diff = DiffInferResponses(garbage, garbage, {});
  ASSERT_FALSE(diff.ok());
  EXPECT_TRUE(UnparsableSidesOf(diff.status()).primary);
  EXPECT_TRUE(UnparsableSidesOf(diff.status()).shadow);

  EXPECT_FALSE(UnparsableSidesOf(absl::InvalidArgumentError("other")).primary);
}

TEST(DiffBytes, ReportsOnlyByteEquality) {
  const absl::Cord a("abc");
  ResponseDiff diff = DiffBytes(a, absl::Cord("abc"));
  EXPECT_TRUE(diff.bytes_equal);
  EXPECT_FALSE(diff.decoded);
  EXPECT_TRUE(diff.tensors.empty());
  EXPECT_FALSE(diff.Differs());
  diff = DiffBytes(a, absl::Cord("abd"));
  EXPECT_FALSE(diff.bytes_equal);
  EXPECT_TRUE(diff.Differs());
}

}  // namespace
}  // namespace modelgate::shadow
