// ExtractInput: the same extraction on a request's `inputs` and `raw_input_contents`.
#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "payload/inference_v2.h"
#include "tensor_builders.h"

namespace modelgate::payload {
namespace {

using ::modelgate::payload::testing::Bytes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Input = inference::ModelInferRequest::InferInputTensor;

Input* AddInput(inference::ModelInferRequest* request, const std::string& name,
                const std::string& datatype, std::initializer_list<int64_t> shape) {
  Input* in = request->add_inputs();
  in->set_name(name);
  in->set_datatype(datatype);
  for (int64_t d : shape) in->add_shape(d);
  return in;
}

TEST(ExtractInput, ReadsTypedInputByName) {
  inference::ModelInferRequest request;
  AddInput(&request, "ids", "INT64", {2})->mutable_contents()->add_int64_contents(-7);
  request.mutable_inputs(0)->mutable_contents()->add_int64_contents(8);
  AddInput(&request, "features", "FP32", {1, 2})->mutable_contents()->add_fp32_contents(0.5f);
  request.mutable_inputs(1)->mutable_contents()->add_fp32_contents(1.5f);
  auto t = ExtractInput(request, "features");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name, "features");
  EXPECT_EQ(t->datatype, "FP32");
  EXPECT_THAT(t->shape, ElementsAre(1, 2));
  EXPECT_THAT(t->values, ElementsAre(0.5, 1.5));
}

TEST(ExtractInput, ReadsRawInputContentsByPosition) {
  inference::ModelInferRequest request;
  AddInput(&request, "a", "UINT16", {1});
  AddInput(&request, "b", "INT8", {2});
  request.add_raw_input_contents(Bytes({0x34, 0x12}));
  request.add_raw_input_contents(Bytes({0xfb, 0x05}));
  auto a = ExtractInput(request, "");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->name, "a");
  EXPECT_THAT(a->values, ElementsAre(0x1234));
  auto b = ExtractInput(request, "b");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_THAT(b->values, ElementsAre(-5, 5));
}

TEST(ExtractInput, MissingInputIsNotFoundNamingInputs) {
  inference::ModelInferRequest request;
  AddInput(&request, "ids", "INT64", {0});
  auto t = ExtractInput(request, "features");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(t.status().message(), "no input named \"features\"; the request has inputs \"ids\"");
}

TEST(ExtractInput, RawCountMismatchNamesRawInputContents) {
  inference::ModelInferRequest request;
  AddInput(&request, "a", "UINT8", {1});
  AddInput(&request, "b", "UINT8", {1});
  request.add_raw_input_contents(Bytes({1}));
  auto t = ExtractInput(request, "a");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("raw_input_contents has 1 entries for 2 inputs"));
}

TEST(ExtractInput, ResponseOutputsAreNotRequestInputs) {
  inference::ModelInferRequest request;
  request.add_outputs()->set_name("probs");  // a requested output, not an input
  auto t = ExtractInput(request, "probs");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(t.status().message(), "the request has no inputs");
}

}  // namespace
}  // namespace modelgate::payload
