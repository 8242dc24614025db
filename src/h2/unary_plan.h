// A unary call whose plan needs whole messages on the frame-level plane: a canary's fallback, a
// merge of parallel rankers, shadow copies, or a payload sample for a monitor. The client's
// stream gathers the request; this runs the plan's UnaryExchange (proxy/unary_exchange.h: the
// same state machine as the gRPC-library plane) over UpstreamLegs, records every leg's outcome
// with the route's sink, gathers a mirrored call's answers for the comparer, and hands the
// chosen answer back to the stream through Responder.
//
// Thread-compatible: owned by the client's stream, on its event loop.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/container/inlined_vector.h"
#include "h2/upstream_leg.h"
#include "proxy/unary_exchange.h"
#include "routing/plan.h"

namespace modelgate::proxy {
class ShadowJoin;
class Snapshot;
struct RouteRuntime;
}  // namespace modelgate::proxy

namespace modelgate::h2 {

class LoopEnv;

class UnaryPlan final : public proxy::ExchangeHost, public UpstreamLeg::Owner {
 public:
  class Responder {
   public:
    virtual ~Responder() = default;
    // The client gets `leg`'s end: its status and message if local(), else its answer.
    virtual void RespondWithLeg(const UpstreamLeg& leg) = 0;
    // The client gets `merged` (OK), with `metadata_leg`'s headers and non-gRPC trailers.
    virtual void RespondMerged(routing::MergeResult merged, const UpstreamLeg& metadata_leg) = 0;
  };

  struct Call {
    std::shared_ptr<const proxy::Snapshot> snapshot;
    const proxy::RouteRuntime* route = nullptr;
    routing::RoutePlan plan;
    std::shared_ptr<const LegRequest> request;
    absl::Time deadline = absl::InfiniteFuture();
    bool deadline_is_clients = true;
    std::string request_id;  // x-request-id, for the comparer's samples
    // The route's sink already chose this call for a payload sample (single-leg plans): the
    // first leg's messages are offered without asking again.
    bool payload_chosen = false;
  };

  UnaryPlan(LoopEnv* env, Responder* responder, Call call);
  // The client is gone (or answered): legs still running are cancelled (their outcomes are
  // recorded as such; a primary cancelled is not compared). Shadow copies run on.
  ~UnaryPlan() override;

  void Start();
  // For the access log: what became of the call's shadow copies and merge.
  const char* ShadowOutcome() const;
  const char* InterleaveOutcome() const;

  // proxy::ExchangeHost.
  void StartLeg(int leg, int arm, absl::Time deadline) override;
  void CancelLeg(int leg) override;
  void StartShadow(int arm) override;
  absl::Time Now() override { return absl::Now(); }
  absl::Cord LegResponse(int leg) override;
  void RespondWithLeg(int leg) override;
  void RespondMerged(routing::MergeResult merged, int metadata_leg) override;
  void CountFallback(int arm, int code) override;
  void CountUnmerged(const char* reason) override;

  // UpstreamLeg::Owner.
  void OnLegEnded(UpstreamLeg* leg) override;

 private:
  LoopEnv* const env_;
  Responder* const responder_;
  const Call call_;
  std::optional<proxy::UnaryExchange> exchange_;
  absl::InlinedVector<std::unique_ptr<UpstreamLeg>, 2> legs_;  // by exchange id
  std::shared_ptr<proxy::ShadowJoin> join_;  // while the primary's answer is awaited
  int shadows_sent_ = 0;
  int shadows_dropped_ = 0;
  const char* interleave_outcome_ = nullptr;  // "merged", or why not (merge plans)
  bool destroying_ = false;
};

}  // namespace modelgate::h2
