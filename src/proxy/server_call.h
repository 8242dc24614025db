// One client call accepted by the generic service. It answers what modelgate answers itself
// (grpc.health.v1, no route, overload, oversized requests), routes everything else, asks the
// route's strategy for a plan, and runs it:
//  - methods known to be unary: the request is read whole and the plan runs as a UnaryExchange
//    (unary_exchange.h) of upstream legs (unary_leg.h) — one for most plans; a fallback, the
//    parallel rankers of a merge, and shadow copies (shadow_dispatcher.h) when the plan has them.
//    The client gets the answer the exchange chooses: a leg's, as received, or a merged one;
//  - every other method: the StreamForwarder (one upstream stream, any call shape).
// Every leg's outcome goes to the route's OutcomeSink; the call's own metrics are counted when
// its status has been sent.
//
// Thread-compatible: all methods run on the owning worker's thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/container/inlined_vector.h"
#include "absl/time/time.h"
#include "common/cq_tag.h"
#include "proxy/call_env.h"
#include "proxy/stream_forwarder.h"
#include "proxy/unary_exchange.h"
#include "proxy/unary_leg.h"
#include "routing/plan.h"

namespace modelgate::proxy {

class ShadowJoin;
class Snapshot;
struct RouteRuntime;

class ServerCall final : public CqHandler,
                         public HealthWatcher,
                         public ExchangeHost,
                         public UnaryLeg::Owner,
                         public StreamForwarder::Host {
 public:
  explicit ServerCall(CallEnv* env);
  ~ServerCall() override;

  // Registers this object as an accept slot on the worker's queue.
  void Accept(grpc::AsyncGenericService* service);
  void OnEvent(int kind, bool ok) override;
  void PushHealth() override;

  // ExchangeHost.
  void StartLeg(int leg, int arm, absl::Time deadline) override;
  void CancelLeg(int leg) override;
  void StartShadow(int arm) override;
  absl::Time Now() override { return absl::Now(); }
  absl::Cord LegResponse(int leg) override;
  void RespondWithLeg(int leg) override;
  void RespondMerged(routing::MergeResult merged, int metadata_leg) override;
  void CountFallback(int arm, int code) override;
  void CountUnmerged(const char* reason) override;

  // UnaryLeg::Owner.
  void OnLegFinished(UnaryLeg* leg) override;

  // StreamForwarder::Host.
  grpc::GenericServerContext& server_context() override { return server_ctx_; }
  grpc::GenericServerAsyncReaderWriter& server_stream() override { return stream_; }
  int64_t max_message_bytes() const override { return env_->max_message_bytes(); }
  void OnStreamEnded(int code, bool sent) override;
  void OnForwarderEvent() override { MaybeDelete(); }

 private:
  enum Event { kAccepted = 0, kDone, kServerRead, kServerWrite, kServerFinish };
  enum class Mode { kAccepting, kLocal, kHealthCheck, kHealthWatch, kFeedback, kUnary, kStreaming };

  void OnAccepted();
  void OnDone();
  void OnServerRead(bool ok);
  void OnServerWrite(bool ok);
  void OnServerFinish(bool ok);
  void Route();
  void StartExchange();
  void FinishLocally(grpc::StatusCode code, const std::string& message);
  void HandleHealthRequest();
  void HandleFeedback();
  int ServingStatus(const std::string& service) const;  // health enum, or -1 = unknown service
  void CopyLegMetadata(UnaryLeg& leg);
  void CountCall(int code, int arm);
  // The call's access log line (when the config has an access log); `arm` -1: unrouted.
  void LogCall(int code, int arm, double seconds);
  const char* ShadowOutcome() const;
  const char* InterleaveOutcome() const;
  int MapCancellation(int code) const;  // a cancellation at the deadline is DEADLINE_EXCEEDED
  UnaryLeg& leg(int id) { return *legs_[static_cast<size_t>(id)]; }
  void MaybeDelete();

  CallEnv* const env_;
  Mode mode_ = Mode::kAccepting;
  grpc::GenericServerContext server_ctx_;
  grpc::GenericServerAsyncReaderWriter stream_;
  std::chrono::steady_clock::time_point start_;

  // Routing.
  std::shared_ptr<const Snapshot> snapshot_;
  const RouteRuntime* route_ = nullptr;
  routing::RoutePlan plan_;
  absl::Time deadline_ = absl::InfiniteFuture();  // the client's, capped by the route's timeout
  bool deadline_is_clients_ = true;
  int answer_arm_ = -1;  // the arm whose answer the client got (metrics); -1: the plan's primary

  // Unary plans.
  grpc::ByteBuffer request_;
  std::optional<UnaryExchange> exchange_;
  std::optional<UnaryLeg> first_leg_;  // no allocation for the usual one-leg plan
  absl::InlinedVector<std::unique_ptr<UnaryLeg>, 1> more_legs_;
  absl::InlinedVector<UnaryLeg*, 2> legs_;  // by exchange id
  // Set while a mirrored call's answers are being gathered for the comparer.
  std::shared_ptr<ShadowJoin> shadow_join_;

  // Every other method.
  std::optional<StreamForwarder> forwarder_;

  int pending_ = 0;      // this object's operations whose tag has not come back yet
  int final_code_ = -1;  // status code sent to the client
  std::string final_message_;   // its message, when not OK (access log)
  int64_t response_bytes_ = 0;  // the unary answer's message bytes (access log)
  uint8_t shadows_sent_ = 0;     // shadow copies handed to the dispatcher...
  uint8_t shadows_dropped_ = 0;  // ...and refused by it (over budget)
  const char* interleave_outcome_ = nullptr;  // "merged", or why not (merge plans)
  bool done_ = false;    // AsyncNotifyWhenDone fired
  bool cancelled_ = false;
  bool finish_sent_ = false;
  bool inflight_counted_ = false;
  bool call_counted_ = false;
  bool routed_call_counted_ = false;

  // Health state.
  grpc::ByteBuffer local_message_;
  std::string health_service_;
  int health_sent_ = -1;
  bool health_writing_ = false;
};

}  // namespace modelgate::proxy
