// Tests of FakeModel, the computation behind modelgate-fake-model's ModelInfer, in-process.
#include "tools/fake_model/model.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::tools {
namespace {

using inference::ModelInferRequest;
using inference::ModelInferResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
std::string RawBytes(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.data(), out.size());  // The test hosts are little-endian.
  return out;
}

std::vector<float> FloatsFromRaw(const std::string& raw) {
  std::vector<float> out(raw.size() / sizeof(float));
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

ModelInferRequest Fp32Request(std::vector<float> values, std::vector<int64_t> shape) {
  ModelInferRequest request;
  request.set_model_name("m");
  request.set_id("req-1");
  auto* input = request.add_inputs();
  input->set_name("x");
  input->set_datatype("FP32");
  for (int64_t d : shape) input->add_shape(d);
  for (float v : values) input->mutable_contents()->add_fp32_contents(v);
  return request;
}

class FakeModelLogic : public ::testing::Test {
 protected:
  grpc::Status Run(const FakeModelOptions& options, const ModelInferRequest& request) {
    return FakeModel(options).Infer(request, random_, response_);
  }
  ModelRandom random_{7};
  ModelInferResponse response_;
};

TEST_F(FakeModelLogic, TypedOutputIsInputPlusShiftWithSameShape) {
  FakeModelOptions options;
  options.output_shift = 0.5;
  options.version = "3";
  ASSERT_TRUE(Run(options, Fp32Request({1, 2, 3, 4, 5, 6}, {2, 3})).ok());
  EXPECT_EQ(response_.model_name(), "m");
  EXPECT_EQ(response_.model_version(), "3");
  EXPECT_EQ(response_.id(), "req-1");
  ASSERT_EQ(response_.outputs_size(), 1);
  const auto& out = response_.outputs(0);
  EXPECT_EQ(out.name(), "output0");
  EXPECT_EQ(out.datatype(), "FP32");
  EXPECT_THAT(out.shape(), ElementsAre(2, 3));
  EXPECT_THAT(out.contents().fp32_contents(), ElementsAre(1.5, 2.5, 3.5, 4.5, 5.5, 6.5));
  EXPECT_EQ(response_.raw_output_contents_size(), 0);
}

TEST_F(FakeModelLogic, RawOutputIsLittleEndianFp32WithoutTypedContents) {
  FakeModelOptions options;
  options.raw_output = true;
  options.output_shift = -1;
  ASSERT_TRUE(Run(options, Fp32Request({1, 2}, {2})).ok());
  ASSERT_EQ(response_.raw_output_contents_size(), 1);
  EXPECT_FALSE(response_.outputs(0).has_contents());
  EXPECT_THAT(FloatsFromRaw(response_.raw_output_contents(0)), ElementsAre(0, 1));
}

TEST_F(FakeModelLogic, ReadsEveryDatatypeFromTypedAndRawContents) {
  ModelInferRequest request;
  auto add = [&](const char* type) {
    auto* in = request.add_inputs();
    in->set_name(type);
    in->set_datatype(type);
    in->add_shape(2);
    return in;
  };
  add("FP64");
  add("INT32");
  add("INT64");
  add("FP32");
  request.add_raw_input_contents(RawBytes<double>({1.25, -2}));
  request.add_raw_input_contents(RawBytes<int32_t>({7, -8}));
  request.add_raw_input_contents(RawBytes<int64_t>({9, 10}));
  request.add_raw_input_contents(RawBytes<float>({0.5, 1.5}));
  ASSERT_TRUE(Run(FakeModelOptions{}, request).ok());
  ASSERT_EQ(response_.outputs_size(), 4);
  EXPECT_EQ(response_.outputs(3).name(), "output3");
  EXPECT_THAT(response_.outputs(0).contents().fp32_contents(), ElementsAre(1.25, -2));
  EXPECT_THAT(response_.outputs(1).contents().fp32_contents(), ElementsAre(7, -8));
  EXPECT_THAT(response_.outputs(2).contents().fp32_contents(), ElementsAre(9, 10));
  EXPECT_THAT(response_.outputs(3).contents().fp32_contents(), ElementsAre(0.5, 1.5));

  ModelInferRequest typed;
  auto* in = typed.add_inputs();
  in->set_datatype("INT64");
  in->add_shape(1);
  in->mutable_contents()->add_int64_contents(41);
  ASSERT_TRUE(Run(FakeModelOptions{}, typed).ok());
  EXPECT_THAT(response_.outputs(0).contents().fp32_contents(), ElementsAre(41));
}

TEST_F(FakeModelLogic, NoInputsGivesOneValueOfOneHalfPlusShift) {
  FakeModelOptions options;
  options.output_shift = 0.25;
  ASSERT_TRUE(Run(options, ModelInferRequest{}).ok());
  ASSERT_EQ(response_.outputs_size(), 1);
  EXPECT_THAT(response_.outputs(0).shape(), ElementsAre(1));
  EXPECT_THAT(response_.outputs(0).contents().fp32_contents(), ElementsAre(0.75));
}

TEST_F(FakeModelLogic, NoiseIsSeededAndCentred) {
  FakeModelOptions options;
  options.output_noise = 1.0;
  std::vector<float> zeros(20000, 0.0f);
  ASSERT_TRUE(Run(options, Fp32Request(zeros, {20000})).ok());
  double sum = 0, sum_sq = 0;
  for (float v : response_.outputs(0).contents().fp32_contents()) {
    sum += v;
    sum_sq += v * v;
  }
  double mean = sum / 20000, sd = std::sqrt(sum_sq / 20000 - mean * mean);
  EXPECT_NEAR(mean, 0, 0.05);
  EXPECT_NEAR(sd, 1, 0.05);
}

TEST_F(FakeModelLogic, NonceOutputAddsAFreshUniformValuePerCallAfterTheOutputs) {
  FakeModelOptions options;
  options.nonce_output = true;
  options.output_noise = 0.5;
  const ModelInferRequest request = Fp32Request({1, 2}, {2});

  // The model's own output is what it would be without the flag (same seed, same draws).
  FakeModelOptions without = options;
  without.nonce_output = false;
  ModelRandom twin(7);
  ModelInferResponse plain;
  ASSERT_TRUE(FakeModel(without).Infer(request, twin, plain).ok());

  ASSERT_TRUE(Run(options, request).ok());
  ASSERT_EQ(response_.outputs_size(), 2);
  EXPECT_EQ(response_.outputs(0).contents().fp32_contents(0),
            plain.outputs(0).contents().fp32_contents(0));
  EXPECT_EQ(response_.outputs(0).contents().fp32_contents(1),
            plain.outputs(0).contents().fp32_contents(1));
  const auto& nonce = response_.outputs(1);
  EXPECT_EQ(nonce.name(), "nonce");
  EXPECT_EQ(nonce.datatype(), "FP32");
  EXPECT_THAT(nonce.shape(), ElementsAre(1));
  ASSERT_EQ(nonce.contents().fp32_contents_size(), 1);

  // Uniform in [0, 1): 2000 calls, in range, mean near 1/2 (sd of the mean is 0.0065), and
  // all but a handful distinct.
  std::vector<float> values;
  double sum = 0;
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(Run(options, request).ok());
    const float v = response_.outputs(1).contents().fp32_contents(0);
    ASSERT_GE(v, 0.0f);
    ASSERT_LT(v, 1.0f);
    values.push_back(v);
    sum += v;
  }
  EXPECT_NEAR(sum / 2000, 0.5, 0.03);
  std::sort(values.begin(), values.end());
  EXPECT_GE(std::unique(values.begin(), values.end()) - values.begin(), 1990);

  // Raw answers carry it as a second raw entry; requests without inputs get it too.
  options.raw_output = true;
  ASSERT_TRUE(Run(options, ModelInferRequest{}).ok());
  ASSERT_EQ(response_.outputs_size(), 2);
  ASSERT_EQ(response_.raw_output_contents_size(), 2);
  EXPECT_EQ(response_.outputs(1).name(), "nonce");
  ASSERT_EQ(FloatsFromRaw(response_.raw_output_contents(1)).size(), 1u);
  EXPECT_LT(FloatsFromRaw(response_.raw_output_contents(1))[0], 1.0f);

  // Off by default.
  ASSERT_TRUE(Run(FakeModelOptions{}, request).ok());
  EXPECT_EQ(response_.outputs_size(), 1);
}

TEST_F(FakeModelLogic, RejectsMalformedRequestsWithClearMessages) {
  auto expect_invalid = [&](const ModelInferRequest& request, const char* fragment) {
    grpc::Status s = Run(FakeModelOptions{}, request);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << fragment;
    EXPECT_THAT(s.error_message(), HasSubstr(fragment));
  };
  expect_invalid(Fp32Request({1, 2, 3}, {2, 2}), "holds 4 elements but 3 FP32 values");

  ModelInferRequest bytes = Fp32Request({1}, {1});
  bytes.mutable_inputs(0)->set_datatype("BYTES");
  expect_invalid(bytes, "unsupported datatype \"BYTES\"");

  ModelInferRequest negative = Fp32Request({}, {-1});
  expect_invalid(negative, "negative dimension");

  ModelInferRequest unpaired = Fp32Request({}, {1});
  unpaired.add_raw_input_contents(RawBytes<float>({1}));
  unpaired.add_raw_input_contents(RawBytes<float>({2}));
  expect_invalid(unpaired, "raw_input_contents has 2 entries");

  ModelInferRequest ragged = Fp32Request({}, {1});
  ragged.add_raw_input_contents("abc");
  expect_invalid(ragged, "not a multiple of 4");

  ModelInferRequest both = Fp32Request({1}, {1});
  both.add_raw_input_contents(RawBytes<float>({1}));
  expect_invalid(both, "has typed contents");

  ModelInferRequest huge = Fp32Request({}, {1 << 20, 1 << 20});
  expect_invalid(huge, "too large");
}

TEST_F(FakeModelLogic, InjectedErrorsAndLatencyFollowTheFlags) {
  FakeModelOptions options;
  EXPECT_FALSE(FakeModel(options).ShouldInjectError(random_));
  options.error_rate = 1;
  EXPECT_TRUE(FakeModel(options).ShouldInjectError(random_));
  options.error_rate = 0.3;
  int failures = 0;
  for (int i = 0; i < 10000; ++i) failures += FakeModel(options).ShouldInjectError(random_);
  EXPECT_NEAR(failures / 10000.0, 0.3, 0.03);

  options.latency_ms = 5;
  options.latency_jitter_ms = 2;
  for (int i = 0; i < 1000; ++i) {
    auto us = FakeModel(options).SampleLatency(random_).count();
    ASSERT_GE(us, 5000);
    ASSERT_LE(us, 7000);
  }
}

}  // namespace
}  // namespace modelgate::tools
