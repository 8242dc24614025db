// Shadow legs: budget, start, outcome, release.
#include "proxy/shadow_dispatcher.h"

#include <utility>

#include "proxy/leg_payload.h"
#include "proxy/shadow_join.h"
#include "proxy/snapshot.h"

namespace modelgate::proxy {

ShadowDispatcher::Shadow::Shadow(ShadowDispatcher* owner, std::shared_ptr<const Snapshot> snap,
                                 const RouteRuntime* r, int arm, const telemetry::Outcome& o)
    : snapshot(std::move(snap)), route(r), outcome(o), leg(owner, 0, arm, &r->arms[arm]) {}

bool ShadowDispatcher::Start(std::shared_ptr<const Snapshot> snapshot, const RouteRuntime* route,
                             int arm, const UnaryLeg::Request& request,
                             const grpc::ByteBuffer& message, const telemetry::Outcome& outcome,
                             std::shared_ptr<ShadowJoin> join) {
  const ArmRuntime& rt = route->arms[arm];
  if (rt.shadow_inflight->fetch_add(1, std::memory_order_relaxed) >= rt.shadow_budget) {
    rt.shadow_inflight->fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  auto shadow = std::make_unique<Shadow>(this, std::move(snapshot), route, arm, outcome);
  shadow->outcome.arm = arm;
  shadow->outcome.role = routing::ArmRole::kShadow;
  shadow->request = message;
  shadow->join = std::move(join);
  UnaryLeg* leg = &shadow->leg;
  legs_.emplace(leg, std::move(shadow));
  env_->CallStarted();  // the queue must outlive the leg
  leg->Start(env_->cq(), request);
  return true;
}

void ShadowDispatcher::CancelAll() {
  for (auto& [leg, shadow] : legs_) leg->Cancel();
}

void ShadowDispatcher::OnLegFinished(UnaryLeg* leg) {
  auto it = legs_.find(leg);
  if (it == legs_.end()) return;
  std::unique_ptr<Shadow> shadow = std::move(it->second);
  legs_.erase(it);
  const ArmRuntime& rt = shadow->route->arms[leg->arm()];
  rt.shadow_inflight->fetch_sub(1, std::memory_order_relaxed);
  if (rt.shadow_requests != nullptr) rt.shadow_requests->Increment(leg->code());
  shadow->outcome.code = leg->code();
  shadow->outcome.latency_seconds = leg->latency_seconds();
  if (telemetry::OutcomeSink* sink = shadow->route->sink.get()) {
    sink->Record(shadow->outcome);
    // The shadow's outputs feed the route's drift statistics like any arm's.
    if (leg->code() == 0 && sink->WantsPayload(shadow->outcome, env_->rng())) {
      sink->OfferPayload(shadow->outcome, LegPayload(shadow->request, leg->response()));
    }
  }
  if (shadow->join != nullptr) {
    shadow->join->AddCopy({leg->arm(), leg->code(), leg->latency_seconds(),
                           leg->code() == 0 ? CordFromByteBuffer(leg->response())
                                            : absl::Cord()});
  }
  shadow.reset();
  env_->CallEnded();
}

}  // namespace modelgate::proxy
