// Shadow copies on the frame-level plane: budget, start, outcome, release.
#include "h2/shadow_legs.h"

#include <atomic>
#include <utility>
#include <vector>

#include "h2/grpc_wire.h"
#include "h2/leg_payload.h"
#include "h2/loop_env.h"
#include "proxy/shadow_join.h"
#include "proxy/snapshot.h"

namespace modelgate::h2 {

struct ShadowLegs::Shadow {
  Shadow(LoopEnv* env, ShadowLegs* owner, std::shared_ptr<const proxy::Snapshot> snap,
         const proxy::RouteRuntime* r, int arm, const telemetry::Outcome& o)
      : snapshot(std::move(snap)), route(r), outcome(o), leg(env, owner, 0, arm, &r->arms[arm]) {}
  std::shared_ptr<const proxy::Snapshot> snapshot;  // keeps route, arm and backend alive
  const proxy::RouteRuntime* route;
  telemetry::Outcome outcome;
  std::shared_ptr<const LegRequest> request;
  std::shared_ptr<proxy::ShadowJoin> join;
  UpstreamLeg leg;
};

ShadowLegs::ShadowLegs(LoopEnv* env) : env_(env) {}

ShadowLegs::~ShadowLegs() {
  // Copies still running at destruction give their budget back unreported.
  for (auto& [leg, shadow] : legs_) {
    shadow->route->arms[leg->arm()].shadow_inflight->fetch_sub(1, std::memory_order_relaxed);
  }
}

bool ShadowLegs::Start(std::shared_ptr<const proxy::Snapshot> snapshot,
                       const proxy::RouteRuntime* route, int arm,
                       std::shared_ptr<const LegRequest> request,
                       const telemetry::Outcome& outcome,
                       std::shared_ptr<proxy::ShadowJoin> join) {
  const proxy::ArmRuntime& rt = route->arms[arm];
  if (rt.shadow_inflight->fetch_add(1, std::memory_order_relaxed) >= rt.shadow_budget) {
    rt.shadow_inflight->fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  auto shadow = std::make_unique<Shadow>(env_, this, std::move(snapshot), route, arm, outcome);
  shadow->outcome.arm = arm;
  shadow->outcome.role = routing::ArmRole::kShadow;
  shadow->request = request;
  shadow->join = std::move(join);
  UpstreamLeg* leg = &shadow->leg;
  legs_.emplace(leg, std::move(shadow));
  // The copy's own deadline, never the client's: it must not be cut short by the client.
  leg->Start(std::move(request), absl::Now() + rt.shadow_timeout, /*deadline_is_clients=*/false,
             "x-modelgate-shadow");
  return true;
}

void ShadowLegs::CancelAll() {
  std::vector<UpstreamLeg*> legs;
  for (auto& [leg, shadow] : legs_) legs.push_back(leg);
  for (UpstreamLeg* leg : legs) {
    if (legs_.contains(leg)) leg->Cancel();
  }
}

void ShadowLegs::OnLegEnded(UpstreamLeg* leg) {
  auto it = legs_.find(leg);
  if (it == legs_.end()) return;
  std::unique_ptr<Shadow> shadow = std::move(it->second);
  legs_.erase(it);
  const proxy::ArmRuntime& rt = shadow->route->arms[leg->arm()];
  rt.shadow_inflight->fetch_sub(1, std::memory_order_relaxed);
  if (rt.shadow_requests != nullptr) rt.shadow_requests->Increment(leg->code());
  shadow->outcome.code = leg->code();
  shadow->outcome.latency_seconds = leg->latency_seconds();
  if (telemetry::OutcomeSink* sink = shadow->route->sink.get()) {
    sink->Record(shadow->outcome);
    // The shadow's outputs feed the route's drift statistics like any arm's.
    if (leg->code() == kOk && sink->WantsPayload(shadow->outcome, env_->rng())) {
      sink->OfferPayload(shadow->outcome, LegPayload(shadow->request->body, leg->body()));
    }
  }
  if (shadow->join != nullptr) {
    shadow->join->AddCopy(AnswerOf(leg->arm(), leg->code(), leg->latency_seconds(), leg->body()));
  }
}

}  // namespace modelgate::h2
