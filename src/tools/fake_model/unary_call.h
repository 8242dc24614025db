// SimpleUnaryCall: serves one unary method whose answer is computed at once on the polling
// thread (ServerLive, ModelMetadata, Health/Check, Echo/Stats...). One object per call; each
// accepted call posts the slot for the next one.
#pragma once

#include <functional>

#include "common/cq_tag.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/async_unary_call.h"
#include "tools/fake_model/worker.h"

namespace modelgate::tools {

template <typename Request, typename Response>
struct UnaryMethod {
  // Posts a request slot, e.g. a lambda around AsyncService::RequestServerLive.
  std::function<void(grpc::ServerContext*, Request*, grpc::ServerAsyncResponseWriter<Response>*,
                     grpc::ServerCompletionQueue*, void* tag)>
      request;
  // Computes the answer; must not block (it runs on the polling thread).
  std::function<grpc::Status(const Request&, Response&)> handle;
};

// Lives on one Worker's thread; deletes itself when the call ends or its slot is refused.
template <typename Request, typename Response>
class SimpleUnaryCall final : public CqHandler {
 public:
  // `method` must outlive every call posted with it.
  static void Post(Worker& worker, const UnaryMethod<Request, Response>& method) {
    auto* call = new SimpleUnaryCall(worker, method);
    method.request(&call->ctx_, &call->request_, &call->responder_, worker.cq(),
                   call->Tag(kAccepted));
  }

  void OnEvent(int kind, bool ok) override {
    switch (kind) {
      case kAccepted:
        OnAccepted(ok);
        break;
      case kFinished:
        OnFinished(ok);
        break;
    }
  }

 private:
  enum Event { kAccepted = 0, kFinished };

  SimpleUnaryCall(Worker& worker, const UnaryMethod<Request, Response>& method)
      : worker_(worker), method_(method) {}

  void OnAccepted(bool ok) {
    if (!ok) {  // Server shutting down: the slot was never matched to a call.
      delete this;
      return;
    }
    if (worker_.accepting()) Post(worker_, method_);
    grpc::Status status = method_.handle(request_, response_);
    if (status.ok()) {
      responder_.Finish(response_, status, Tag(kFinished));
    } else {
      responder_.FinishWithError(status, Tag(kFinished));
    }
  }

  void OnFinished(bool) { delete this; }

  Worker& worker_;
  const UnaryMethod<Request, Response>& method_;
  grpc::ServerContext ctx_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> responder_{&ctx_};
};

}  // namespace modelgate::tools
