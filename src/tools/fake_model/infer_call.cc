// Implementation of InferCall; see infer_call.h.
#include "tools/fake_model/infer_call.h"

#include "absl/strings/str_cat.h"

namespace modelgate::tools {

void InferCall::Post(Worker& worker) {
  InferCall* call;
  auto& pool = worker.infer_pool();
  if (pool.empty()) {
    call = new InferCall(worker);
  } else {
    call = pool.back();
    pool.pop_back();
  }
  call->Arm();
}

void InferCall::OnEvent(int kind, bool ok) {
  switch (kind) {
    case kAccepted:
      OnAccepted(ok);
      break;
    case kAlarm:
      OnAlarm(ok);
      break;
    case kFinished:
      OnFinished(ok);
      break;
    case kDone:
      OnDone(ok);
      break;
  }
}

void InferCall::Arm() {
  // The writer points into the context, so it goes first; both are single-use in gRPC.
  responder_.reset();
  ctx_.emplace();
  responder_.emplace(&*ctx_);
  request_.Clear();
  track_done_ = worker_.options().has_latency();
  done_ = false;
  finished_ = false;
  if (track_done_) ctx_->AsyncNotifyWhenDone(Tag(kDone));
  worker_.shared().inference.RequestModelInfer(&*ctx_, &request_, &*responder_, worker_.cq(),
                                               worker_.cq(), Tag(kAccepted));
}

void InferCall::OnAccepted(bool ok) {
  if (!ok) {  // Refused at shutdown; no done notification follows (grpc/grpc#10136).
    worker_.infer_pool().push_back(this);
    return;
  }
  if (worker_.accepting()) Post(worker_);

  const FakeModel& model = worker_.model();
  ModelRandom& random = worker_.random();
  if (model.ShouldInjectError(random)) {
    status_ = grpc::Status(model.options().error_code,
                           absl::StrCat("injected failure from fake model '",
                                        model.options().name, "'"));
  } else {
    status_ = model.Infer(request_, random, response_);
  }
  if (!track_done_) {
    Respond();
    return;
  }
  alarm_pending_ = true;
  alarm_.emplace();
  alarm_->Set(worker_.cq(), std::chrono::system_clock::now() + model.SampleLatency(random),
              Tag(kAlarm));
}

void InferCall::OnAlarm(bool ok) {
  alarm_pending_ = false;
  if (done_) {  // Cancelled while waiting: nothing left to send.
    finished_ = true;
    MaybeRecycle();
    return;
  }
  Respond();
}

void InferCall::Respond() {
  if (worker_.model().options().compress_responses) {
    ctx_->set_compression_algorithm(GRPC_COMPRESS_GZIP);
  }
  if (status_.ok()) {
    responder_->Finish(response_, status_, Tag(kFinished));
  } else {
    responder_->FinishWithError(status_, Tag(kFinished));
  }
}

void InferCall::OnFinished(bool ok) {
  finished_ = true;
  if (!track_done_) {
    // Without a done notification, a failed Finish is the sign that the peer went away.
    auto& counter = ok ? worker_.shared().completed_calls : worker_.shared().cancelled_calls;
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  MaybeRecycle();
}

void InferCall::OnDone(bool) {
  done_ = true;
  bool cancelled = ctx_->IsCancelled();
  auto& counter =
      cancelled ? worker_.shared().cancelled_calls : worker_.shared().completed_calls;
  counter.fetch_add(1, std::memory_order_relaxed);
  if (cancelled && alarm_pending_) alarm_->Cancel();
  MaybeRecycle();
}

void InferCall::MaybeRecycle() {
  if (!finished_ || (track_done_ && !done_)) return;
  // Back to the pool, not re-posted: accepting this call already posted its replacement.
  worker_.infer_pool().push_back(this);
}

}  // namespace modelgate::tools
