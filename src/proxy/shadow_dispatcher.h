// The worker's shadow legs: copies of a client's unary request sent to shadow arms. A shadow
// never delays, fails or cancels the client's call: it is started after the client's own legs,
// has its own context and deadline, and may outlive the call (it holds the snapshot it needs).
// Each shadow arm has a budget of legs in flight; over it the copy is dropped and counted, never
// queued, so a slow or hanging shadow costs bounded memory.
//
// Thread-compatible: one dispatcher per worker, driven by the worker's thread.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "proxy/call_env.h"
#include "proxy/unary_leg.h"
#include "telemetry/outcome.h"

namespace modelgate::proxy {

class ShadowJoin;
class Snapshot;
struct RouteRuntime;

class ShadowDispatcher final : public UnaryLeg::Owner {
 public:
  explicit ShadowDispatcher(CallEnv* env) : env_(env) {}

  // Sends `request` to arm `arm` of `route` (of `snapshot`, which the leg keeps alive), unless
  // the arm's budget is spent. `outcome` carries the call's routing facts (user, epoch) for the
  // shadow's own outcome; `message` is the request's message (kept by reference count for the
  // route's payload monitor); `join`, when set, gets the copy's answer for the comparer.
  // Returns false when the copy was dropped (the caller counts it and tells the join).
  bool Start(std::shared_ptr<const Snapshot> snapshot, const RouteRuntime* route, int arm,
             const UnaryLeg::Request& request, const grpc::ByteBuffer& message,
             const telemetry::Outcome& outcome, std::shared_ptr<ShadowJoin> join);
  // Cancels every shadow still running (shutdown); each still ends through its event.
  void CancelAll();
  size_t inflight() const { return legs_.size(); }

  void OnLegFinished(UnaryLeg* leg) override;

 private:
  struct Shadow {
    Shadow(ShadowDispatcher* owner, std::shared_ptr<const Snapshot> snap, const RouteRuntime* r,
           int arm, const telemetry::Outcome& o);
    std::shared_ptr<const Snapshot> snapshot;  // keeps route, arm and channel alive
    const RouteRuntime* route;
    telemetry::Outcome outcome;
    grpc::ByteBuffer request;  // shares the client's slices
    std::shared_ptr<ShadowJoin> join;
    UnaryLeg leg;
  };
  CallEnv* const env_;
  absl::flat_hash_map<UnaryLeg*, std::unique_ptr<Shadow>> legs_;
};

}  // namespace modelgate::proxy
