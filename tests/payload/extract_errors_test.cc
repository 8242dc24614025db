// ExtractOutput's refusals, each with the message an operator would read: missing tensors,
// non-numeric or unknown datatypes, shapes that do not match the data, and raw/typed misuse.
#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "payload/inference_v2.h"
#include "tensor_builders.h"

namespace modelgate::payload {
namespace {

using ::modelgate::payload::testing::AddOutput;
using ::modelgate::payload::testing::AddRawOutput;
using ::modelgate::payload::testing::Bytes;

// The error of extracting output `name`; fails the test if extraction succeeded.
absl::Status ErrorOf(const inference::ModelInferResponse& response, const std::string& name) {
  auto t = ExtractOutput(response, name);
  EXPECT_FALSE(t.ok()) << "extracted " << t->values.size() << " values";
  return t.status();
}

TEST(ExtractErrors, MissingNameIsNotFoundListingAvailableOutputs) {
  inference::ModelInferResponse response;
  AddOutput(&response, "labels", "INT32", {0});
  AddOutput(&response, "probs", "FP32", {0});
  const absl::Status s = ErrorOf(response, "score");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(),
            "no output named \"score\"; the response has outputs \"labels\", \"probs\"");
}

TEST(ExtractErrors, ListsAtMostSixteenNames) {
  inference::ModelInferResponse response;
  for (int i = 0; i < 20; ++i) AddOutput(&response, "o" + std::to_string(i), "FP32", {0});
  const absl::Status s = ErrorOf(response, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("\"o14\", \"o15\" and 4 more"));
  EXPECT_THAT(s.message(), ::testing::Not(::testing::HasSubstr("o16")));
}

TEST(ExtractErrors, EscapesControlCharactersInNames) {
  inference::ModelInferResponse response;
  AddOutput(&response, "a\nb", "FP32", {0});
  const absl::Status s = ErrorOf(response, "c\"d");
  EXPECT_EQ(s.message(), "no output named \"c\\\"d\"; the response has outputs \"a\\nb\"");
}

TEST(ExtractErrors, ResponseWithoutOutputsIsNotFound) {
  inference::ModelInferResponse response;
  for (const char* name : {"", "probs"}) {
    const absl::Status s = ErrorOf(response, name);
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(s.message(), "the response has no outputs");
  }
}

TEST(ExtractErrors, BytesTensorIsNotNumeric) {
  inference::ModelInferResponse response;
  AddOutput(&response, "text", "BYTES", {1})->mutable_contents()->add_bytes_contents("hi");
  const absl::Status s = ErrorOf(response, "text");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "output \"text\": datatype BYTES is not numeric; only BOOL, UINT8..UINT64, "
            "INT8..INT64, FP16, BF16, FP32 and FP64 tensors can be monitored");
}

TEST(ExtractErrors, UnknownDatatypeIsRejectedWithTheAcceptedNames) {
  for (const char* datatype : {"FLOAT32", "fp32", ""}) {
    inference::ModelInferResponse response;
    AddOutput(&response, "x", datatype, {0});
    const absl::Status s = ErrorOf(response, "x");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "output \"x\": unknown datatype \"" + std::string(datatype) +
                               "\"; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, "
                               "INT16, INT32, INT64, FP16, BF16, FP32, FP64");
  }
}

TEST(ExtractErrors, TypedValueCountMustMatchShape) {
  inference::ModelInferResponse response;
  auto* c = AddOutput(&response, "x", "FP32", {3})->mutable_contents();
  c->add_fp32_contents(1);
  c->add_fp32_contents(2);
  const absl::Status s = ErrorOf(response, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "output \"x\": fp32_contents holds 2 values, but the shape has 3 elements");
}

TEST(ExtractErrors, ScalarNeedsExactlyOneTypedValue) {
  inference::ModelInferResponse response;
  AddOutput(&response, "x", "FP64", {});
  EXPECT_EQ(ErrorOf(response, "x").message(),
            "output \"x\": fp64_contents holds 0 values, but the shape has 1 elements");
}

TEST(ExtractErrors, TypedValuesInTheWrongFieldAreRejected) {
  inference::ModelInferResponse response;
  auto* c = AddOutput(&response, "x", "INT32", {2})->mutable_contents();
  c->add_int64_contents(1);
  c->add_int64_contents(2);
  const absl::Status s = ErrorOf(response, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "output \"x\": INT32 values belong in int_contents, but int64_contents holds 2 values");
}

TEST(ExtractErrors, Fp16AndBf16MustBeRaw) {
  for (const char* datatype : {"FP16", "BF16"}) {
    inference::ModelInferResponse response;
    AddOutput(&response, "h", datatype, {1})->mutable_contents()->add_fp32_contents(1.0f);
    const absl::Status s = ErrorOf(response, "h");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "output \"h\": " + std::string(datatype) +
                               " values must be sent as raw contents (the protocol has no typed "
                               "field for them), but the message has no raw contents");
  }
}

TEST(ExtractErrors, NegativeDimensionIsInvalidInAResponse) {
  inference::ModelInferResponse response;
  AddOutput(&response, "x", "FP32", {2, -1});
  const absl::Status s = ErrorOf(response, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "output \"x\": shape [2, -1] has a negative dimension (-1)");
}

TEST(ExtractErrors, ShapeOverflowingSixtyFourBitsIsInvalid) {
  inference::ModelInferResponse response;
  AddOutput(&response, "x", "FP32", {INT64_C(1) << 40, INT64_C(1) << 40});
  const absl::Status s = ErrorOf(response, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "output \"x\": shape [1099511627776, 1099511627776] has more elements than fit in 64 "
            "bits");
}

TEST(ExtractErrors, HugeShapeWithSmallRawEntryFailsWithoutAllocating) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "x", "FP64", {INT64_C(1) << 62}, Bytes({0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(ErrorOf(response, "x").message(),
            "output \"x\": raw contents hold 8 bytes, but 4611686018427387904 FP64 elements of 8 "
            "bytes each need more bytes");
}

TEST(ExtractErrors, RawSizeMustBeElementCountTimesElementSize) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "x", "FP32", {3}, std::string(10, '\0'));
  const absl::Status s = ErrorOf(response, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "output \"x\": raw contents hold 10 bytes, but 3 FP32 elements of 4 bytes each need "
            "12 bytes");
}

TEST(ExtractErrors, RawEntryLongerThanShapeIsRejected) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "x", "INT16", {1}, Bytes({1, 0, 2, 0}));
  EXPECT_EQ(ErrorOf(response, "x").message(),
            "output \"x\": raw contents hold 4 bytes, but 1 INT16 elements of 2 bytes each need "
            "2 bytes");
}

TEST(ExtractErrors, RawEntryMissingForTheOutputsPosition) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "a", "UINT8", {1}, Bytes({1}));
  AddOutput(&response, "b", "UINT8", {1});
  const absl::Status s = ErrorOf(response, "b");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "raw_output_contents has 1 entries for 2 outputs; raw entries pair with outputs by "
            "position, so there must be one each");
}

TEST(ExtractErrors, ExtraRawEntriesMakeThePairingAmbiguous) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "a", "UINT8", {1}, Bytes({1}));
  response.add_raw_output_contents(Bytes({2}));
  EXPECT_EQ(ErrorOf(response, "a").message(),
            "raw_output_contents has 2 entries for 1 outputs; raw entries pair with outputs by "
            "position, so there must be one each");
}

TEST(ExtractErrors, TypedContentsOnAnyTensorConflictWithRaw) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "a", "UINT8", {1}, Bytes({1}));
  AddRawOutput(&response, "b", "FP32", {1}, Bytes({0, 0, 0x80, 0x3f}))
      ->mutable_contents()
      ->add_fp32_contents(1.0f);
  // Even the clean tensor "a" is refused: the message breaks the protocol's either/or rule.
  const absl::Status s = ErrorOf(response, "a");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "output \"b\" (position 1) has typed contents although the response uses "
            "raw_output_contents; the protocol allows one or the other");
}

TEST(ExtractErrors, RawBoolBytesMustBeZeroOrOne) {
  inference::ModelInferResponse response;
  AddRawOutput(&response, "flags", "BOOL", {3}, Bytes({1, 0, 2}));
  const absl::Status s = ErrorOf(response, "flags");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "output \"flags\": BOOL raw contents byte 2 is 2; the protocol allows only 0 and 1");
}

}  // namespace
}  // namespace modelgate::payload
