// grpc.health.v1.Health for the fake model, answered by our own handlers on the same completion
// queues: grpc::EnableDefaultHealthCheckService would start gRPC's callback machinery, which
// costs CPU on every call of every service (DESIGN.md §10).
#include "absl/strings/str_cat.h"
#include "grpcpp/support/async_stream.h"
#include "tools/fake_model/services.h"
#include "tools/fake_model/tracked_call.h"
#include "tools/fake_model/unary_call.h"

namespace modelgate::tools {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

bool IsKnownService(const Worker& worker, const std::string& service) {
  return service.empty() || service == worker.options().name;
}

// A Watch call: sends the current status once, then stays open until the client leaves or the
// server shuts down. The status never changes while the process runs.
class WatchCall final : public TrackedCall {
 public:
  static void Post(Worker& worker) { new WatchCall(worker); }

 private:
  enum Event { kAccepted = kFirstCallEvent, kWritten };

  explicit WatchCall(Worker& worker) : TrackedCall(worker, /*counted=*/false) {
    worker.shared().health.RequestWatch(&ctx_, &request_, &writer_, worker.cq(), worker.cq(),
                                        Tag(kAccepted));
  }

  void PostNext() override { Post(worker_); }

  void OnCallEvent(int kind, bool ok) override {
    switch (kind) {
      case kAccepted:
        OnAccepted(ok);
        break;
      case kWritten:
        OnWritten(ok);
        break;
    }
  }

  void OnAccepted(bool ok) {
    if (!Accepted(ok)) return;
    response_.set_status(IsKnownService(worker_, request_.service())
                             ? HealthCheckResponse::SERVING
                             : HealthCheckResponse::SERVICE_UNKNOWN);
    BeginOp();
    writer_.Write(response_, Tag(kWritten));
    Release();
  }

  void OnWritten(bool) {
    EndOp();
    Release();  // Nothing pending now: the done notification ends the call.
  }

  HealthCheckRequest request_;
  HealthCheckResponse response_;
  grpc::ServerAsyncWriter<HealthCheckResponse> writer_{&ctx_};
};

}  // namespace

void PostHealthCalls(Worker& worker) {
  auto* service = &worker.shared().health;
  const auto& check = worker.Keep(UnaryMethod<HealthCheckRequest, HealthCheckResponse>{
      [service](grpc::ServerContext* ctx, HealthCheckRequest* req,
                grpc::ServerAsyncResponseWriter<HealthCheckResponse>* writer,
                grpc::ServerCompletionQueue* cq,
                void* tag) { service->RequestCheck(ctx, req, writer, cq, cq, tag); },
      [&worker](const HealthCheckRequest& req, HealthCheckResponse& resp) {
        if (!IsKnownService(worker, req.service())) {
          return grpc::Status(grpc::StatusCode::NOT_FOUND,
                              absl::StrCat("unknown service '", req.service(), "'"));
        }
        resp.set_status(HealthCheckResponse::SERVING);
        return grpc::Status::OK;
      }});
  SimpleUnaryCall<HealthCheckRequest, HealthCheckResponse>::Post(worker, check);
  WatchCall::Post(worker);
}

}  // namespace modelgate::tools
