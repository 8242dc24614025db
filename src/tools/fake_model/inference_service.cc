// inference.GRPCInferenceService for the fake model: the metadata methods answer from the
// flags; ModelInfer is served by the pooled InferCall.
#include "absl/strings/str_cat.h"
#include "tools/fake_model/infer_call.h"
#include "tools/fake_model/services.h"
#include "tools/fake_model/unary_call.h"

namespace modelgate::tools {
namespace {

using namespace ::inference;  // NOLINT: the OIP message names are unambiguous here.
using Service = GRPCInferenceService::AsyncService;

// The model is addressed by name and, optionally, version (empty = any).
bool IsOurModel(const FakeModelOptions& o, const std::string& name, const std::string& version) {
  return name == o.name && (version.empty() || version == o.version);
}

template <typename Req, typename Resp, typename RequestFn, typename HandleFn>
void PostUnary(Worker& worker, RequestFn request_fn, HandleFn handle) {
  Service* service = &worker.shared().inference;
  const auto& method = worker.Keep(UnaryMethod<Req, Resp>{
      [service, request_fn](grpc::ServerContext* ctx, Req* req,
                            grpc::ServerAsyncResponseWriter<Resp>* writer,
                            grpc::ServerCompletionQueue* cq, void* tag) {
        (service->*request_fn)(ctx, req, writer, cq, cq, tag);
      },
      std::move(handle)});
  SimpleUnaryCall<Req, Resp>::Post(worker, method);
}

}  // namespace

void PostInferenceCalls(Worker& worker) {
  const FakeModelOptions& o = worker.options();
  PostUnary<ServerLiveRequest, ServerLiveResponse>(
      worker, &Service::RequestServerLive, [](const auto&, auto& resp) {
        resp.set_live(true);
        return grpc::Status::OK;
      });
  PostUnary<ServerReadyRequest, ServerReadyResponse>(
      worker, &Service::RequestServerReady, [](const auto&, auto& resp) {
        resp.set_ready(true);
        return grpc::Status::OK;
      });
  PostUnary<ModelReadyRequest, ModelReadyResponse>(
      worker, &Service::RequestModelReady, [&o](const auto& req, auto& resp) {
        resp.set_ready(IsOurModel(o, req.name(), req.version()));
        return grpc::Status::OK;
      });
  PostUnary<ServerMetadataRequest, ServerMetadataResponse>(
      worker, &Service::RequestServerMetadata, [](const auto&, auto& resp) {
        resp.set_name("modelgate-fake-model");
        resp.set_version(MODELGATE_VERSION);
        return grpc::Status::OK;
      });
  PostUnary<ModelMetadataRequest, ModelMetadataResponse>(
      worker, &Service::RequestModelMetadata, [&o](const auto& req, auto& resp) {
        if (!IsOurModel(o, req.name(), req.version())) {
          return grpc::Status(grpc::StatusCode::NOT_FOUND,
                              absl::StrCat("unknown model '", req.name(), "' version '",
                                           req.version(), "'; this server has '", o.name,
                                           "' version '", o.version, "'"));
        }
        resp.set_name(o.name);
        resp.add_versions(o.version);
        resp.set_platform("modelgate-fake");
        // Any rank and size: each input tensor maps to one FP32 output of the same shape.
        auto* in = resp.add_inputs();
        in->set_name("input0");
        in->set_datatype("FP32");
        in->add_shape(-1);
        auto* out = resp.add_outputs();
        out->set_name("output0");
        out->set_datatype("FP32");
        out->add_shape(-1);
        return grpc::Status::OK;
      });
  InferCall::Post(worker);
}

}  // namespace modelgate::tools
