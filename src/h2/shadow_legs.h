// The event loop's shadow legs: copies of clients' unary requests sent to shadow arms. A copy
// never delays, fails or cancels the client's call: it starts after the call's own legs, has its
// own deadline, and may outlive the call (it holds the snapshot it needs). Each shadow arm has a
// budget of copies in flight (shared by every loop); over it the copy is dropped and counted,
// never queued, so a slow or hanging shadow costs bounded memory.
//
// Thread-compatible: one per event loop, driven by its thread.
#pragma once

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "h2/upstream_leg.h"
#include "telemetry/outcome.h"

namespace modelgate::proxy {
class ShadowJoin;
class Snapshot;
struct RouteRuntime;
}  // namespace modelgate::proxy

namespace modelgate::h2 {

class LoopEnv;

class ShadowLegs final : public UpstreamLeg::Owner {
 public:
  explicit ShadowLegs(LoopEnv* env);
  ~ShadowLegs() override;

  // Sends `request` to arm `arm` of `route` (of `snapshot`, which the leg keeps alive) unless
  // the arm's budget is spent; false when the copy was dropped (the caller counts it and tells
  // the join). `outcome` carries the call's routing facts for the copy's own outcome; `join`,
  // when set, gets the copy's answer for the comparer.
  bool Start(std::shared_ptr<const proxy::Snapshot> snapshot, const proxy::RouteRuntime* route,
             int arm, std::shared_ptr<const LegRequest> request, const telemetry::Outcome& outcome,
             std::shared_ptr<proxy::ShadowJoin> join);
  // Cancels every copy still running (shutdown); each ends through OnLegEnded.
  void CancelAll();
  size_t inflight() const { return legs_.size(); }

  void OnLegEnded(UpstreamLeg* leg) override;

 private:
  struct Shadow;
  LoopEnv* const env_;
  absl::flat_hash_map<UpstreamLeg*, std::unique_ptr<Shadow>> legs_;
};

}  // namespace modelgate::h2
