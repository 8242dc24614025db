// One client call accepted by the generic service, forwarded to the backend its route picks.
//
// Two forwarding paths, chosen per method:
//  - unary (methods known to be unary, see UnaryMethods): read the one request, one upstream
//    unary call, then WriteAndFinish. Five completion events per call.
//  - streaming (everything else): a bidi upstream stream pumped message by message in both
//    directions, one message in flight per direction (that is the backpressure); upstream
//    initial metadata is forwarded as soon as it arrives. Correct for unary, client-, server-
//    and bidi-streaming methods alike, at the cost of more events.
// Both forward metadata, deadline, status, message and details unchanged, and cancel the
// upstream call when the client cancels.
//
// Thread-compatible: all methods run on the owning worker's thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/byte_buffer.h>

#include "proxy/event.h"
#include "proxy/snapshot.h"

namespace modelgate::proxy {

class Worker;

class ProxyCall final : public Handler {
 public:
  explicit ProxyCall(Worker* worker);
  ~ProxyCall() override;

  // Registers this object as an accept slot on the worker's queue.
  void Accept(grpc::AsyncGenericService* service);
  void OnEvent(int kind, bool ok) override;

  // Health Watch support: push the current status if it changed.
  void PushHealth();

 private:
  enum Event {
    kAccepted = 0,
    kDone,
    kServerRead,
    kServerWrite,
    kServerMeta,
    kServerFinish,
    kUpMeta,
    kUpRead,
    kUpWrite,
    kUpFinish,
    kUpStart,
  };
  enum class Mode { kAccepting, kUnary, kStreaming, kLocal, kHealthCheck, kHealthWatch };

  void OnAccepted(bool ok);
  void OnDone();
  void OnServerRead(bool ok);
  void OnServerWrite(bool ok);
  void OnUpMeta(bool ok);
  void OnUpRead(bool ok);
  void OnUpStart(bool ok);
  void OnUpWrite(bool ok);
  void ForwardClientMessage(bool has_message);
  void OnUpFinish();
  void OnServerFinish(bool ok);

  void PrepareUpstreamContext();
  void StartUnaryUpstream();
  void StartStreamingUpstream();
  void CopyUpstreamInitialMetadata();
  grpc::Status ClientStatusFromUpstream();
  // The request message just read is over proxy.max_message_bytes.
  bool RequestTooLarge() const;
  std::string TooLargeMessage() const;
  void FinishLocally(grpc::StatusCode code, const std::string& message);
  void HandleHealthRequest();
  int ServingStatus(const std::string& service) const;  // health enum, or -1 = unknown service
  bool DeadlineExpired() const;
  void MaybeDelete();
  void OfferPayloadToMonitor();

  Worker* worker_;
  Mode mode_ = Mode::kAccepting;
  grpc::GenericServerContext server_ctx_;
  grpc::GenericServerAsyncReaderWriter stream_;
  std::chrono::steady_clock::time_point start_;

  std::shared_ptr<const Snapshot> snapshot_;
  const RouteRuntime* route_ = nullptr;
  const ArmRuntime* arm_ = nullptr;
  int arm_index_ = 0;
  std::optional<uint64_t> user_;  // sticky key hash, when the arm came from one

  std::optional<grpc::ClientContext> upstream_ctx_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> upstream_unary_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> upstream_stream_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::Status upstream_status_;
  std::optional<grpc::Status> local_status_;  // set when the proxy ends a streaming call itself

  int pending_ = 0;      // operations whose tag has not come back yet
  int final_code_ = -1;  // status code sent to the client
  bool done_ = false;    // AsyncNotifyWhenDone fired
  bool cancelled_ = false;
  bool finish_sent_ = false;
  bool upstream_finished_ = false;
  bool upstream_started_ = false;  // StartCall completed
  enum class DeferredWrite { kNone, kMessage, kWritesDone };
  DeferredWrite deferred_write_ = DeferredWrite::kNone;
  bool upstream_writes_done_ = false;
  bool upstream_write_failed_ = false;
  bool inflight_counted_ = false;
  bool deadline_is_clients_ = true;  // the upstream deadline is the client's, not a route cap
  bool routed_call_counted_ = false;

  // Health state.
  std::string health_service_;
  int health_sent_ = -1;
  bool health_writing_ = false;
};

}  // namespace modelgate::proxy
