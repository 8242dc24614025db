// One upstream unary call made for a client call: an attempt of its plan, a parallel ranker, or
// a shadow copy. It has its own ClientContext (the client's metadata, its own deadline), runs on
// the worker's completion queue, and tells its owner when it has ended. After Start it needs
// nothing from the client call (the request and metadata are copied by reference count), so a
// shadow leg may outlive it.
//
// Thread-compatible: driven by the worker thread that owns the queue.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/string_ref.h>

#include "absl/time/time.h"
#include "common/cq_tag.h"

namespace modelgate::proxy {

struct ArmRuntime;

class UnaryLeg final : public CqHandler {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    // The leg has ended (status(), response() and its context are final). Called last in the
    // leg's event: the owner may destroy the leg.
    virtual void OnLegFinished(UnaryLeg* leg) = 0;
  };

  struct Request {
    const std::string& method;  // "/pkg.Svc/Method"
    const grpc::ByteBuffer& message;
    // The client's metadata; user-agent and grpc-* keys are the gRPC library's own and are not
    // forwarded.
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata;
    absl::Time deadline;  // InfiniteFuture: none
    // When set, the exact deadline to use instead of `deadline` (the client's own, forwarded
    // as the gRPC clock has it: a round trip through absl::Time shifted it by milliseconds).
    const gpr_timespec* exact_deadline = nullptr;
    // The deadline is the client's own (not a route's or shadow's cap): its passing is then the
    // client giving up, not the backend failing.
    bool deadline_is_clients = true;
    const char* marker = nullptr;  // a metadata key set to "1" (e.g. x-modelgate-shadow)
  };

  UnaryLeg(Owner* owner, int id, int arm, const ArmRuntime* runtime)
      : owner_(owner), id_(id), arm_(arm), runtime_(runtime) {}

  void Start(grpc::CompletionQueue* cq, const Request& request);
  // Cancels the call if it is still running; it still ends through OnLegFinished. A leg its
  // owner cancelled is not the backend's error.
  void Cancel();
  void OnEvent(int kind, bool ok) override;

  int id() const { return id_; }
  int arm() const { return arm_; }
  const ArmRuntime* runtime() const { return runtime_; }
  bool finished() const { return finished_; }
  int code() const { return status_.error_code(); }
  double latency_seconds() const { return latency_seconds_; }
  grpc::ClientContext& context() { return ctx_; }
  grpc::ByteBuffer& response() { return response_; }
  // The status to pass on to a client: the backend's as received, except failures the channel
  // made itself (connection refused, lost), which name the backend.
  grpc::Status ClientStatus() const;

 private:
  enum Event { kFinish = 0 };

  Owner* const owner_;
  const int id_;
  const int arm_;
  const ArmRuntime* const runtime_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> reader_;
  grpc::ByteBuffer response_;
  grpc::Status status_;
  std::chrono::steady_clock::time_point start_;
  double latency_seconds_ = 0;
  bool deadline_is_clients_ = true;
  bool cancelled_ = false;
  bool finished_ = false;
};

}  // namespace modelgate::proxy
