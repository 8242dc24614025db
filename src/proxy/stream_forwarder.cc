// The streaming pump; see stream_forwarder.h.
#include "proxy/stream_forwarder.h"

#include "absl/strings/str_cat.h"
#include "proxy/snapshot.h"
#include "proxy/upstream_call.h"

namespace modelgate::proxy {

void StreamForwarder::Start(grpc::CompletionQueue* cq, const std::string& method,
                            absl::Time deadline, bool deadline_is_clients,
                            const gpr_timespec* exact_deadline) {
  deadline_is_clients_ = deadline_is_clients;
  if (exact_deadline != nullptr) {
    ctx_.set_deadline(*exact_deadline);
  } else {
    SetUpstreamDeadline(deadline, &ctx_);
  }
  ForwardRequestMetadata(host_->server_context().client_metadata(), &ctx_);
  upstream_ = arm_->backend->stub->PrepareCall(&ctx_, method, cq);
  pending_ += 2;
  upstream_->StartCall(Tag(kUpStart));
  upstream_->ReadInitialMetadata(Tag(kUpMeta));
  ReadClient();
}

void StreamForwarder::ReadClient() {
  ++pending_;
  host_->server_stream().Read(&request_, Tag(kServerRead));
}

void StreamForwarder::FinishUpstream() {
  ++pending_;
  upstream_->Finish(&upstream_status_, Tag(kUpFinish));
}

void StreamForwarder::OnClientCancelled() {
  client_cancelled_ = true;
  if (!upstream_finished_) ctx_.TryCancel();
}

void StreamForwarder::OnEvent(int kind, bool ok) {
  --pending_;
  switch (kind) {
    case kServerRead: OnServerRead(ok); break;
    case kServerWrite: OnServerWrite(ok); break;
    case kServerMeta: break;  // failures surface through the done notification
    case kServerFinish: OnServerFinish(ok); break;
    case kUpStart: OnUpStart(ok); break;
    case kUpMeta: OnUpMeta(ok); break;
    case kUpRead: OnUpRead(ok); break;
    case kUpWrite: OnUpWrite(ok); break;
    case kUpFinish: OnUpFinish(); break;
  }
  host_->OnForwarderEvent();  // last: the host may destroy this forwarder
}

void StreamForwarder::OnServerRead(bool ok) {
  if (upstream_finished_) return;  // the call is over; late client messages are dropped
  if (ok && static_cast<int64_t>(request_.Length()) > host_->max_message_bytes()) {
    // End the call with our own status: cancel upstream; its Finish answers the client with
    // local_status_ instead of the upstream's.
    local_status_ = grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("modelgate: request message of ", request_.Length(),
                     " bytes is larger than proxy.max_message_bytes (",
                     host_->max_message_bytes(), ")"));
    ctx_.TryCancel();
    return;
  }
  // StartCall and Write share one operation slot in the C++ stream: a write may only be
  // issued once the start has completed.
  if (!upstream_started_) {
    deferred_write_ = ok ? DeferredWrite::kMessage : DeferredWrite::kWritesDone;
    return;
  }
  ForwardClientMessage(ok);
}

void StreamForwarder::ForwardClientMessage(bool has_message) {
  if (upstream_write_failed_) return;  // upstream is gone; its Finish ends the call
  ++pending_;
  if (has_message) {
    request_bytes_ += static_cast<int64_t>(request_.Length());
    upstream_->Write(request_, Tag(kUpWrite));
  } else {
    // Client half-close (or cancellation, which the done notification handles).
    upstream_writes_done_ = true;
    upstream_->WritesDone(Tag(kUpWrite));
  }
}

void StreamForwarder::OnUpStart(bool ok) {
  upstream_started_ = true;
  if (!ok) upstream_write_failed_ = true;  // the reads fail too and end the call
  const DeferredWrite deferred = deferred_write_;
  deferred_write_ = DeferredWrite::kNone;
  if (deferred != DeferredWrite::kNone && !upstream_finished_) {
    ForwardClientMessage(deferred == DeferredWrite::kMessage);
  }
}

void StreamForwarder::OnUpWrite(bool ok) {
  if (upstream_writes_done_) return;
  if (!ok) {
    upstream_write_failed_ = true;  // stop reading the client; the upstream read loop ends it
    return;
  }
  if (upstream_finished_) return;
  ReadClient();
}

void StreamForwarder::CopyUpstreamInitialMetadata() {
  for (const auto& [key, value] : ctx_.GetServerInitialMetadata()) {
    host_->server_context().AddInitialMetadata(std::string(key.data(), key.size()),
                                               std::string(value.data(), value.size()));
  }
}

void StreamForwarder::OnUpMeta(bool ok) {
  if (!ok) {
    FinishUpstream();
    return;
  }
  CopyUpstreamInitialMetadata();
  ++pending_;
  host_->server_stream().SendInitialMetadata(Tag(kServerMeta));
  ++pending_;
  upstream_->Read(&response_, Tag(kUpRead));
}

void StreamForwarder::OnUpRead(bool ok) {
  if (!ok) {
    FinishUpstream();
    return;
  }
  response_bytes_ += static_cast<int64_t>(response_.Length());
  ++pending_;
  host_->server_stream().Write(response_, Tag(kServerWrite));
}

void StreamForwarder::OnServerWrite(bool ok) {
  if (ok) {
    ++pending_;
    upstream_->Read(&response_, Tag(kUpRead));
    return;
  }
  // The client is gone; cancel upstream and collect its status so the call can end.
  ctx_.TryCancel();
  FinishUpstream();
}

grpc::Status StreamForwarder::ClientStatusFromUpstream() {
  if (local_status_.has_value()) return *local_status_;  // we ended the call ourselves
  CountUpstreamError(*arm_->backend, upstream_status_.error_code(), client_cancelled_,
                     deadline_is_clients_);
  RecordBackendAnswer(*arm_->spec->health, upstream_status_, ctx_);
  return ClientStatus(upstream_status_, ctx_, *arm_->backend);
}

void StreamForwarder::OnUpFinish() {
  upstream_finished_ = true;
  for (const auto& [key, value] : ctx_.GetServerTrailingMetadata()) {
    // grpc-status-details-bin is re-added from Status::error_details(); copying it too would
    // send it twice.
    if (std::string_view(key.data(), key.size()).starts_with("grpc-")) continue;
    host_->server_context().AddTrailingMetadata(std::string(key.data(), key.size()),
                                                std::string(value.data(), value.size()));
  }
  const grpc::Status status = ClientStatusFromUpstream();
  final_code_ = status.error_code();
  if (!status.ok()) final_message_ = status.error_message();
  ++pending_;
  host_->server_stream().Finish(status, Tag(kServerFinish));
}

void StreamForwarder::OnServerFinish(bool ok) { host_->OnStreamEnded(final_code_, ok); }

}  // namespace modelgate::proxy
