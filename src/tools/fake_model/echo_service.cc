// modelgate.testing.Echo for the fake model: one state machine per call shape. Semantics are
// those documented in proto/modelgate/testing/echo.proto; the choices the proto leaves open:
//  - deadline_remaining_ms is measured when the request arrives (what the backend was given);
//  - ServerStream sends response_count responses (0 = none), then ends with reply_code;
//  - ClientStream takes its instructions from the first request and answers once with
//    index = number of requests and payload = the requests' payloads concatenated;
//  - Bidi answers every request as it arrives (one response each, index = its position) and
//    reads the next request only after that answer is written, so ping-pong works; a request
//    with reply_code ends the call with that status; initial metadata comes from the first
//    request, trailing metadata accumulates over all of them.
// delay_ms waits on a grpc::Alarm that a cancellation cuts short, so Stats sees it promptly.
#include <chrono>

#include "grpcpp/support/async_stream.h"
#include "tools/fake_model/echo_support.h"
#include "tools/fake_model/services.h"
#include "tools/fake_model/tracked_call.h"
#include "tools/fake_model/unary_call.h"

namespace modelgate::tools {
namespace {

using modelgate::testing::CancelStats;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;
using modelgate::testing::Empty;

// Validates the request and applies everything that does not depend on the call shape.
grpc::Status PrepareEcho(const EchoRequest& request, bool add_initial_metadata,
                         int64_t deadline_remaining_ms, const std::string& server_name,
                         grpc::ServerContext& ctx, EchoResponse& response) {
  grpc::Status status = ValidateEchoRequest(request);
  if (!status.ok()) return status;
  if (add_initial_metadata) {
    status = AddEchoMetadata(request.initial_metadata(), MetadataKind::kInitial, ctx);
    if (!status.ok()) return status;
  }
  status = AddEchoMetadata(request.trailing_metadata(), MetadataKind::kTrailing, ctx);
  if (!status.ok()) return status;
  response.set_deadline_remaining_ms(deadline_remaining_ms);
  response.set_server_name(server_name);
  FillReceivedMetadata(ctx, response);
  return grpc::Status::OK;
}

std::chrono::milliseconds DelayOf(const EchoRequest& request) {
  return std::chrono::milliseconds(request.delay_ms());
}

class UnaryEchoCall final : public TrackedCall {
 public:
  static void Post(Worker& worker) { new UnaryEchoCall(worker); }

 private:
  enum Event { kAccepted = kFirstCallEvent, kFinished };

  explicit UnaryEchoCall(Worker& worker) : TrackedCall(worker, /*counted=*/true) {
    worker.shared().echo.RequestUnary(&ctx_, &request_, &responder_, worker.cq(), worker.cq(),
                                      Tag(kAccepted));
  }
  void PostNext() override { Post(worker_); }

  void OnCallEvent(int kind, bool ok) override {
    switch (kind) {
      case kAccepted:
        OnAccepted(ok);
        break;
      case kFinished:
        OnFinished(ok);
        break;
    }
  }

  void OnAccepted(bool ok) {
    if (!Accepted(ok)) return;
    status_ = PrepareEcho(request_, true, DeadlineRemainingMs(), worker_.options().name, ctx_,
                          response_);
    if (status_.ok()) {
      FillPayload(request_, response_);
      status_ = RequestedStatus(request_);
    }
    if (request_.delay_ms() > 0) {
      StartDelay(DelayOf(request_));
    } else {
      Respond();
    }
    Release();
  }

  void OnDelayDone(bool) override {
    if (!cancelled()) Respond();
  }

  void Respond() {
    BeginOp();
    if (status_.ok()) {
      responder_.Finish(response_, status_, Tag(kFinished));
    } else {
      responder_.FinishWithError(status_, Tag(kFinished));
    }
  }

  void OnFinished(bool) {
    EndOp();
    Release();
  }

  EchoRequest request_;
  EchoResponse response_;
  grpc::Status status_;
  grpc::ServerAsyncResponseWriter<EchoResponse> responder_{&ctx_};
};

class ServerStreamEchoCall final : public TrackedCall {
 public:
  static void Post(Worker& worker) { new ServerStreamEchoCall(worker); }

 private:
  enum Event { kAccepted = kFirstCallEvent, kWritten, kFinished };

  explicit ServerStreamEchoCall(Worker& worker) : TrackedCall(worker, /*counted=*/true) {
    worker.shared().echo.RequestServerStream(&ctx_, &request_, &writer_, worker.cq(),
                                             worker.cq(), Tag(kAccepted));
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
      case kFinished:
        OnFinished(ok);
        break;
    }
  }

  void OnAccepted(bool ok) {
    if (!Accepted(ok)) return;
    grpc::Status prepared = PrepareEcho(request_, true, DeadlineRemainingMs(),
                                        worker_.options().name, ctx_, response_);
    if (!prepared.ok()) {
      FinishWith(prepared);
    } else {
      FillPayload(request_, response_);
      if (request_.delay_ms() > 0) {
        StartDelay(DelayOf(request_));
      } else {
        WriteOrFinish();
      }
    }
    Release();
  }

  void OnDelayDone(bool) override {
    if (!cancelled()) WriteOrFinish();
  }

  void WriteOrFinish() {
    if (sent_ >= request_.response_count()) {
      FinishWith(RequestedStatus(request_));
      return;
    }
    response_.set_index(sent_);
    BeginOp();
    writer_.Write(response_, Tag(kWritten));
  }

  void OnWritten(bool ok) {
    EndOp();
    if (ok && !cancelled()) {
      ++sent_;
      WriteOrFinish();
    }
    Release();
  }

  void FinishWith(const grpc::Status& status) {
    BeginOp();
    writer_.Finish(status, Tag(kFinished));
  }

  void OnFinished(bool) {
    EndOp();
    Release();
  }

  EchoRequest request_;
  EchoResponse response_;
  int sent_ = 0;
  grpc::ServerAsyncWriter<EchoResponse> writer_{&ctx_};
};

class ClientStreamEchoCall final : public TrackedCall {
 public:
  static void Post(Worker& worker) { new ClientStreamEchoCall(worker); }

 private:
  enum Event { kAccepted = kFirstCallEvent, kRead, kFinished };

  explicit ClientStreamEchoCall(Worker& worker) : TrackedCall(worker, /*counted=*/true) {
    worker.shared().echo.RequestClientStream(&ctx_, &reader_, worker.cq(), worker.cq(),
                                             Tag(kAccepted));
  }
  void PostNext() override { Post(worker_); }

  void OnCallEvent(int kind, bool ok) override {
    switch (kind) {
      case kAccepted:
        OnAccepted(ok);
        break;
      case kRead:
        OnRead(ok);
        break;
      case kFinished:
        OnFinished(ok);
        break;
    }
  }

  void OnAccepted(bool ok) {
    if (!Accepted(ok)) return;
    deadline_remaining_ms_ = DeadlineRemainingMs();
    ReadNext();
    Release();
  }

  void ReadNext() {
    BeginOp();
    reader_.Read(&request_, Tag(kRead));
  }

  void OnRead(bool ok) {
    EndOp();
    if (cancelled()) {
      Release();
      return;
    }
    if (ok) {
      if (count_ == 0) {
        first_ = request_;
        first_.clear_payload();  // Only its instructions are kept; payloads go to concat_.
      }
      concat_.append(request_.payload());
      ++count_;
      ReadNext();
    } else {
      Answer();  // The client half-closed: every request is in.
    }
    Release();
  }

  void Answer() {
    status_ = PrepareEcho(first_, true, deadline_remaining_ms_, worker_.options().name, ctx_,
                          response_);
    if (status_.ok()) {
      response_.set_index(count_);
      if (first_.response_bytes() > 0) {
        FillPayload(first_, response_);
      } else {
        response_.set_payload(std::move(concat_));
      }
      status_ = RequestedStatus(first_);
    }
    if (first_.delay_ms() > 0) {
      StartDelay(DelayOf(first_));
    } else {
      Respond();
    }
  }

  void OnDelayDone(bool) override {
    if (!cancelled()) Respond();
  }

  void Respond() {
    BeginOp();
    if (status_.ok()) {
      reader_.Finish(response_, status_, Tag(kFinished));
    } else {
      reader_.FinishWithError(status_, Tag(kFinished));
    }
  }

  void OnFinished(bool) {
    EndOp();
    Release();
  }

  EchoRequest request_;
  EchoRequest first_;
  EchoResponse response_;
  std::string concat_;
  int count_ = 0;
  int64_t deadline_remaining_ms_ = -1;
  grpc::Status status_;
  grpc::ServerAsyncReader<EchoResponse, EchoRequest> reader_{&ctx_};
};

class BidiEchoCall final : public TrackedCall {
 public:
  static void Post(Worker& worker) { new BidiEchoCall(worker); }

 private:
  enum Event { kAccepted = kFirstCallEvent, kRead, kWritten, kFinished };

  explicit BidiEchoCall(Worker& worker) : TrackedCall(worker, /*counted=*/true) {
    worker.shared().echo.RequestBidi(&ctx_, &stream_, worker.cq(), worker.cq(), Tag(kAccepted));
  }
  void PostNext() override { Post(worker_); }

  void OnCallEvent(int kind, bool ok) override {
    switch (kind) {
      case kAccepted:
        OnAccepted(ok);
        break;
      case kRead:
        OnRead(ok);
        break;
      case kWritten:
        OnWritten(ok);
        break;
      case kFinished:
        OnFinished(ok);
        break;
    }
  }

  void OnAccepted(bool ok) {
    if (!Accepted(ok)) return;
    ReadNext();
    Release();
  }

  void ReadNext() {
    BeginOp();
    stream_.Read(&request_, Tag(kRead));
  }

  void OnRead(bool ok) {
    EndOp();
    if (cancelled()) {
      Release();
      return;
    }
    if (!ok) {
      FinishWith(grpc::Status::OK);  // The client half-closed.
    } else {
      Answer();
    }
    Release();
  }

  void Answer() {
    response_.Clear();
    grpc::Status status = PrepareEcho(request_, /*add_initial_metadata=*/received_ == 0,
                                      DeadlineRemainingMs(), worker_.options().name, ctx_,
                                      response_);
    if (status.ok()) status = RequestedStatus(request_);
    if (!status.ok()) {
      FinishWith(status);
      return;
    }
    FillPayload(request_, response_);
    response_.set_index(received_++);
    if (request_.delay_ms() > 0) {
      StartDelay(DelayOf(request_));
    } else {
      Write();
    }
  }

  void OnDelayDone(bool) override {
    if (!cancelled()) Write();
  }

  void Write() {
    BeginOp();
    stream_.Write(response_, Tag(kWritten));
  }

  void OnWritten(bool ok) {
    EndOp();
    if (ok && !cancelled()) ReadNext();
    Release();
  }

  void FinishWith(const grpc::Status& status) {
    BeginOp();
    stream_.Finish(status, Tag(kFinished));
  }

  void OnFinished(bool) {
    EndOp();
    Release();
  }

  EchoRequest request_;
  EchoResponse response_;
  int received_ = 0;
  grpc::ServerAsyncReaderWriter<EchoResponse, EchoRequest> stream_{&ctx_};
};

}  // namespace

void PostEchoCalls(Worker& worker) {
  UnaryEchoCall::Post(worker);
  ServerStreamEchoCall::Post(worker);
  ClientStreamEchoCall::Post(worker);
  BidiEchoCall::Post(worker);

  auto* service = &worker.shared().echo;
  ServerShared* shared = &worker.shared();
  const auto& stats = worker.Keep(UnaryMethod<Empty, CancelStats>{
      [service](grpc::ServerContext* ctx, Empty* req,
                grpc::ServerAsyncResponseWriter<CancelStats>* writer,
                grpc::ServerCompletionQueue* cq,
                void* tag) { service->RequestStats(ctx, req, writer, cq, cq, tag); },
      [shared](const Empty&, CancelStats& resp) {
        resp.set_cancelled_calls(shared->cancelled_calls.load(std::memory_order_relaxed));
        resp.set_completed_calls(shared->completed_calls.load(std::memory_order_relaxed));
        resp.set_held_calls(shared->held_calls.load(std::memory_order_relaxed));
        return grpc::Status::OK;
      }});
  SimpleUnaryCall<Empty, CancelStats>::Post(worker, stats);
}

}  // namespace modelgate::tools
