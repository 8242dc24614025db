// The general forwarding path: one upstream bidi stream pumped message by message in both
// directions, one message in flight per direction (that is the backpressure), upstream initial
// metadata forwarded as soon as it arrives. Correct for unary, client-, server- and
// bidi-streaming methods alike, so it serves every method not known to be unary; it always has
// exactly one upstream (multi-leg plans need whole messages and are unary-only).
//
// It drives the client call's stream (owned by its host, the server call) and its own upstream
// call; the host learns of each step (to decide when the call may end) and of the final status.
//
// Thread-compatible: driven by the worker thread that owns the queue.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/time/time.h"
#include "common/cq_tag.h"
#include "proxy/unary_leg.h"

namespace modelgate::proxy {

struct ArmRuntime;

class StreamForwarder final : public CqHandler {
 public:
  class Host {
   public:
    virtual ~Host() = default;
    virtual grpc::GenericServerContext& server_context() = 0;
    virtual grpc::GenericServerAsyncReaderWriter& server_stream() = 0;
    virtual int64_t max_message_bytes() const = 0;
    // The client's status was sent (`sent`) or could not be (the client is gone): `code` is
    // what the client was told. Called once.
    virtual void OnStreamEnded(int code, bool sent) = 0;
    // Called last in every event of the forwarder: the host may destroy it.
    virtual void OnForwarderEvent() = 0;
  };

  StreamForwarder(Host* host, const ArmRuntime* arm) : host_(host), arm_(arm) {}

  // Starts the upstream stream and reads the client's first message. `exact_deadline`, when
  // set, is used instead of `deadline` (see UnaryLeg::Request).
  void Start(grpc::CompletionQueue* cq, const std::string& method, absl::Time deadline,
             bool deadline_is_clients, const gpr_timespec* exact_deadline);
  // The client went away: cancel upstream (its Finish ends the forwarding).
  void OnClientCancelled();
  // No operation of the forwarder is outstanding.
  bool idle() const { return pending_ == 0; }
  // Message bytes forwarded so far, each way, and the message of the status sent (access log).
  int64_t request_bytes() const { return request_bytes_; }
  int64_t response_bytes() const { return response_bytes_; }
  const std::string& final_message() const { return final_message_; }

  void OnEvent(int kind, bool ok) override;

 private:
  enum Event {
    kServerRead = 0,
    kServerWrite,
    kServerMeta,
    kServerFinish,
    kUpStart,
    kUpMeta,
    kUpRead,
    kUpWrite,
    kUpFinish,
  };
  void OnServerRead(bool ok);
  void ForwardClientMessage(bool has_message);
  void OnUpStart(bool ok);
  void OnUpWrite(bool ok);
  void OnUpMeta(bool ok);
  void OnUpRead(bool ok);
  void OnServerWrite(bool ok);
  void OnUpFinish();
  void OnServerFinish(bool ok);
  void CopyUpstreamInitialMetadata();
  grpc::Status ClientStatusFromUpstream();
  void ReadClient();
  void FinishUpstream();

  Host* const host_;
  const ArmRuntime* const arm_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> upstream_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::Status upstream_status_;
  std::optional<grpc::Status> local_status_;  // set when the proxy ends the call itself
  int pending_ = 0;
  int final_code_ = -1;
  std::string final_message_;
  int64_t request_bytes_ = 0;
  int64_t response_bytes_ = 0;
  bool deadline_is_clients_ = true;
  bool client_cancelled_ = false;
  bool upstream_started_ = false;  // StartCall completed
  bool upstream_finished_ = false;
  bool upstream_writes_done_ = false;
  bool upstream_write_failed_ = false;
  enum class DeferredWrite { kNone, kMessage, kWritesDone };
  DeferredWrite deferred_write_ = DeferredWrite::kNone;
};

}  // namespace modelgate::proxy
