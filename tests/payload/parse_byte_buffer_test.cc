// ParseByteBuffer: parsing across several slices without consuming or altering the caller's
// ByteBuffer, and InvalidArgument for bytes that are not a message.
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "payload/inference_v2.h"
#include "sliced_buffer.h"
#include "tensor_builders.h"

namespace modelgate::payload {
namespace {

using ::modelgate::payload::testing::AddRawOutput;
using ::modelgate::payload::testing::LittleEndian;
using ::modelgate::payload::testing::SlicedBuffer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Contents(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

inference::ModelInferResponse SampleResponse() {
  inference::ModelInferResponse response;
  response.set_model_name("ranker");
  response.set_id("req-1");
  AddRawOutput(&response, "labels", "INT32", {3}, LittleEndian<int32_t>({1, -2, 3}));
  AddRawOutput(&response, "probs", "FP64", {2, 2}, LittleEndian<double>({0.1, 0.2, 0.3, 0.4}));
  return response;
}

TEST(ParseByteBuffer, ParsesAMessageSpreadOverSeveralSlices) {
  const std::string bytes = SampleResponse().SerializeAsString();
  ASSERT_GT(bytes.size(), 40u);
  // Cuts inside tags, lengths and raw payloads alike; one slice is empty.
  const SlicedBuffer sliced(bytes, {1, 2, 9, 9, 17, 30, bytes.size() - 3});
  ASSERT_EQ(sliced.slice_count(), 7u);

  inference::ModelInferResponse parsed;
  ASSERT_TRUE(ParseByteBuffer(sliced.buffer(), &parsed).ok());
  EXPECT_EQ(parsed.model_name(), "ranker");
  auto probs = ExtractOutput(parsed, "probs");
  ASSERT_TRUE(probs.ok()) << probs.status();
  EXPECT_THAT(probs->values, ElementsAre(0.1, 0.2, 0.3, 0.4));
}

TEST(ParseByteBuffer, LeavesTheCallersBufferIntactAndReusable) {
  const std::string bytes = SampleResponse().SerializeAsString();
  const SlicedBuffer sliced(bytes, {5, 20});
  const grpc::ByteBuffer& buffer = sliced.buffer();
  ASSERT_EQ(sliced.slice_count(), 3u);
  for (int round = 0; round < 3; ++round) {
    inference::ModelInferResponse parsed;
    ASSERT_TRUE(ParseByteBuffer(buffer, &parsed).ok()) << "round " << round;
    EXPECT_EQ(parsed.SerializeAsString(), bytes);
    ASSERT_TRUE(buffer.Valid());
    EXPECT_EQ(buffer.Length(), bytes.size());
    EXPECT_EQ(Contents(buffer), bytes);
  }
}

TEST(ParseByteBuffer, LeavesRefcountedSlicesIntact) {
  // Pieces longer than gRPC's inline size are heap slices shared by reference count: the
  // parse's private copy of the ByteBuffer holds references, and dropping them must leave the
  // caller's slices alive and unchanged.
  const std::string bytes = SampleResponse().SerializeAsString();
  ASSERT_GT(bytes.size(), 80u);
  std::vector<grpc::Slice> pieces = {grpc::Slice(bytes.substr(0, 30)),
                                     grpc::Slice(bytes.substr(30, 40)),
                                     grpc::Slice(bytes.substr(70))};
  const grpc::ByteBuffer buffer(pieces.data(), pieces.size());
  pieces.clear();  // the buffer now holds the only references
  inference::ModelInferResponse parsed;
  ASSERT_TRUE(ParseByteBuffer(buffer, &parsed).ok());
  ASSERT_TRUE(ParseByteBuffer(buffer, &parsed).ok());
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(buffer.Dump(&slices).ok());
  EXPECT_EQ(slices.size(), 3u);
  EXPECT_EQ(Contents(buffer), bytes);
  EXPECT_EQ(parsed.SerializeAsString(), bytes);
}

TEST(ParseByteBuffer, ParsesASingleSliceAndAnEmptyMessage) {
  const std::string bytes = SampleResponse().SerializeAsString();
  grpc::Slice whole(bytes);
  inference::ModelInferResponse parsed;
  ASSERT_TRUE(ParseByteBuffer(grpc::ByteBuffer(&whole, 1), &parsed).ok());
  EXPECT_EQ(parsed.id(), "req-1");

  grpc::Slice empty;
  parsed.set_id("stale");
  ASSERT_TRUE(ParseByteBuffer(grpc::ByteBuffer(&empty, 1), &parsed).ok());
  EXPECT_EQ(parsed.ByteSizeLong(), 0u);  // zero bytes are a valid, empty message
}

TEST(ParseByteBuffer, MalformedBytesAreInvalidArgumentAndClearTheMessage) {
  // Field 5 (outputs), length-delimited, claims 100 bytes but 2 follow.
  const std::string bytes("\x2a\x64\x0a\x00", 4);
  grpc::Slice slice(bytes);
  inference::ModelInferResponse parsed;
  parsed.set_model_name("stale");
  const absl::Status s = ParseByteBuffer(grpc::ByteBuffer(&slice, 1), &parsed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "the 4 bytes are not a valid inference.ModelInferResponse message");
  EXPECT_EQ(parsed.ByteSizeLong(), 0u);
}

TEST(ParseByteBuffer, TruncatedMessageIsInvalidArgument) {
  const std::string bytes = SampleResponse().SerializeAsString();
  const SlicedBuffer sliced(bytes.substr(0, bytes.size() - 5), {7});
  inference::ModelInferResponse parsed;
  const absl::Status s = ParseByteBuffer(sliced.buffer(), &parsed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("not a valid inference.ModelInferResponse"));
}

TEST(ParseByteBuffer, BufferWithoutMessageIsInvalidArgument) {
  inference::ModelInferResponse parsed;
  const absl::Status s = ParseByteBuffer(grpc::ByteBuffer(), &parsed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "the ByteBuffer holds no message");
}

TEST(ParseByteBuffer, ParsesRequestsToo) {
  inference::ModelInferRequest request;
  auto* in = request.add_inputs();
  in->set_name("x");
  in->set_datatype("UINT8");
  in->add_shape(2);
  request.add_raw_input_contents(std::string("\x05\x06", 2));
  const std::string bytes = request.SerializeAsString();
  inference::ModelInferRequest parsed;
  const SlicedBuffer sliced(bytes, {3, 4});
  ASSERT_TRUE(ParseByteBuffer(sliced.buffer(), &parsed).ok());
  auto t = ExtractInput(parsed, "x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values, ElementsAre(5, 6));
}

}  // namespace
}  // namespace modelgate::payload
