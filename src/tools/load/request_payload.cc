// Implementation of BuildRequestPayload; see request_payload.h.
#include "tools/load/request_payload.h"

#include <string>

#include "absl/strings/match.h"
#include "inference/grpc_predict_v2.pb.h"
#include "modelgate/testing/echo.pb.h"

namespace modelgate::tools {
namespace {

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

grpc::ByteBuffer BuildRequestPayload(const LoadOptions& o) {
  if (absl::EndsWith(o.method, "/ModelInfer")) {
    inference::ModelInferRequest request;
    request.set_model_name(o.model);
    auto* input = request.add_inputs();
    input->set_name("input0");
    input->set_datatype("FP32");
    input->add_shape(1);
    input->add_shape(o.payload_floats);
    auto* values = input->mutable_contents()->mutable_fp32_contents();
    for (int64_t i = 0; i < o.payload_floats; ++i) values->Add(static_cast<float>(i % 100) * 0.01f);
    return ToByteBuffer(request.SerializeAsString());
  }
  if (absl::StartsWith(o.method, "/modelgate.testing.Echo/") &&
      !absl::EndsWith(o.method, "/Stats")) {
    modelgate::testing::EchoRequest request;
    request.set_payload(std::string(static_cast<size_t>(o.payload_floats) * 4, 'p'));
    return ToByteBuffer(request.SerializeAsString());
  }
  return ToByteBuffer("");
}

}  // namespace modelgate::tools
