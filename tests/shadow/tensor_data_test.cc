// DecodeOutput: the domain per datatype, FP16 from raw, and the message-level raw layout rules
// (one raw entry per output, no typed values beside raw ones).
#include "shadow/tensor_data.h"

#include <cstdint>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "responses.h"

namespace modelgate::shadow {
namespace {

using testing::AddFp32;
using testing::AddOutput;
using testing::AddRawOutput;
using testing::Bytes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::LittleEndian;
using testing::Response;

TEST(DecodeOutput, PicksTheDomainFromTheDatatype) {
  Response r;
  AddRawOutput(&r, "h", "FP16", {2}, Bytes({0x00, 0x3c, 0x00, 0xc0}));  // 1.0, -2.0
  AddRawOutput(&r, "i", "INT16", {1}, Bytes({0xff, 0xff}));
  AddRawOutput(&r, "u", "UINT8", {1}, Bytes({0xff}));
  AddRawOutput(&r, "s", "BYTES", {1}, Bytes({1, 0, 0, 0, 'q'}));
  auto h = DecodeOutput(r, 0);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->domain, TensorData::Domain::kFloat);
  EXPECT_THAT(h->floats, ElementsAre(1.0, -2.0));
  EXPECT_THAT(DecodeOutput(r, 1)->signeds, ElementsAre(-1));
  EXPECT_THAT(DecodeOutput(r, 2)->unsigneds, ElementsAre(255u));
  EXPECT_THAT(DecodeOutput(r, 3)->bytes, ElementsAre("q"));
  EXPECT_EQ(DecodeOutput(r, 3)->domain, TensorData::Domain::kBytes);
}

TEST(DecodeOutput, EnforcesTheRawLayout) {
  Response r;
  AddRawOutput(&r, "a", "FP32", {1}, LittleEndian<float>({1}));
  AddOutput(&r, "b", "FP32", {1})->mutable_contents()->add_fp32_contents(2);
  EXPECT_THAT(DecodeOutput(r, 0).status().message(),
              HasSubstr("raw_output_contents has 1 entries for 2 outputs"));
  r.add_raw_output_contents(LittleEndian<float>({2}));
  EXPECT_THAT(DecodeOutput(r, 1).status().message(), HasSubstr("typed contents although"));
  EXPECT_TRUE(DecodeOutput(r, 0).ok());
}

TEST(DecodeOutput, RejectsUnknownDatatypesAndBadShapes) {
  Response r;
  AddOutput(&r, "x", "FP8", {1});
  AddFp32(&r, "y", {-1}, {});
  EXPECT_THAT(DecodeOutput(r, 0).status().message(), HasSubstr("unknown datatype"));
  EXPECT_THAT(DecodeOutput(r, 1).status().message(), HasSubstr("negative dimension"));
}

}  // namespace
}  // namespace modelgate::shadow
