// An upstream unary call and the accounting of how it ended.
#include "proxy/unary_leg.h"

#include "proxy/snapshot.h"
#include "proxy/upstream_call.h"

namespace modelgate::proxy {

void UnaryLeg::Start(grpc::CompletionQueue* cq, const Request& request) {
  start_ = std::chrono::steady_clock::now();
  deadline_is_clients_ = request.deadline_is_clients;
  if (request.exact_deadline != nullptr) {
    ctx_.set_deadline(*request.exact_deadline);
  } else {
    SetUpstreamDeadline(request.deadline, &ctx_);
  }
  ForwardRequestMetadata(request.metadata, &ctx_);
  if (request.marker != nullptr) ctx_.AddMetadata(request.marker, "1");
  if (cancelled_) ctx_.TryCancel();  // cancelled before it started: it ends at once
  reader_ = runtime_->backend->stub->PrepareUnaryCall(&ctx_, request.method, request.message, cq);
  reader_->StartCall();
  reader_->Finish(&response_, &status_, Tag(kFinish));
}

void UnaryLeg::Cancel() {
  if (finished_) return;
  cancelled_ = true;
  if (reader_ != nullptr) ctx_.TryCancel();
}

void UnaryLeg::OnEvent(int /*kind*/, bool /*ok*/) {
  finished_ = true;
  latency_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  CountUpstreamError(*runtime_->backend, status_.error_code(), cancelled_, deadline_is_clients_);
  RecordBackendAnswer(*runtime_->spec->health, status_, ctx_);
  owner_->OnLegFinished(this);  // last: the owner may destroy this leg
}

grpc::Status UnaryLeg::ClientStatus() const {
  return proxy::ClientStatus(status_, ctx_, *runtime_->backend);
}

}  // namespace modelgate::proxy
