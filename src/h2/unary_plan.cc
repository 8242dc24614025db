// A whole-message unary plan over upstream legs; see unary_plan.h.
#include "h2/unary_plan.h"

#include <utility>

#include "h2/grpc_wire.h"
#include "h2/leg_payload.h"
#include "h2/loop_env.h"
#include "h2/shadow_legs.h"
#include "proxy/shadow_join.h"
#include "proxy/snapshot.h"

namespace modelgate::h2 {

UnaryPlan::UnaryPlan(LoopEnv* env, Responder* responder, Call call)
    : env_(env), responder_(responder), call_(std::move(call)) {}

UnaryPlan::~UnaryPlan() {
  destroying_ = true;
  if (exchange_.has_value()) exchange_->OnClientCancelled();
}

void UnaryPlan::Start() {
  const proxy::RouteRuntime* route = call_.route;
  if (!call_.plan.shadows.empty() && route->shadow_sink != nullptr) {
    join_ = std::make_shared<proxy::ShadowJoin>(route->shadow_sink,
                                                static_cast<int>(call_.plan.shadows.size()),
                                                call_.request_id, call_.request->path);
  }
  exchange_.emplace(call_.plan, route->merger.get(), call_.deadline, &env_->rng(), this);
  exchange_->Start();
}

void UnaryPlan::StartLeg(int id, int arm, absl::Time deadline) {
  legs_.push_back(
      std::make_unique<UpstreamLeg>(env_, this, id, arm, &call_.route->arms[arm]));
  legs_.back()->Start(call_.request, deadline,
                      call_.deadline_is_clients && deadline == call_.deadline, nullptr);
}

void UnaryPlan::CancelLeg(int id) { legs_[static_cast<size_t>(id)]->Cancel(); }

void UnaryPlan::StartShadow(int arm) {
  ++shadows_sent_;
  telemetry::Outcome outcome;
  outcome.shard = env_->shard();
  outcome.keyed = call_.plan.keyed;
  outcome.key_hash = call_.plan.key_hash;
  outcome.weight_epoch = call_.route->weight_epoch;
  const proxy::ArmRuntime& rt = call_.route->arms[arm];
  if (!env_->shadows().Start(call_.snapshot, call_.route, arm, call_.request, outcome, join_)) {
    ++shadows_dropped_;
    rt.shadow_dropped.Increment();
    if (join_ != nullptr) join_->SkipCopy();
  }
}

void UnaryPlan::OnLegEnded(UpstreamLeg* leg) {
  const proxy::RouteRuntime* route = call_.route;
  if (telemetry::OutcomeSink* sink = route->sink.get()) {
    telemetry::Outcome o;
    o.shard = env_->shard();
    o.arm = leg->arm();
    o.role = leg->runtime()->spec->role;
    o.code = leg->code();
    o.latency_seconds = leg->latency_seconds();
    o.keyed = call_.plan.keyed;
    o.key_hash = call_.plan.key_hash;
    o.weight_epoch = route->weight_epoch;
    sink->Record(o);
    if (o.code == kOk && ((call_.payload_chosen && leg->id() == 0) ||
                          sink->WantsPayload(o, env_->rng()))) {
      sink->OfferPayload(o, LegPayload(call_.request->body, leg->body()));
    }
  }
  if (join_ != nullptr && leg->id() == 0) {
    // The primary's answer, for the comparer (a shadow plan has no fallback: leg 0 answers).
    join_->SetPrimary(AnswerOf(leg->arm(), leg->code(), leg->latency_seconds(), leg->body()));
    join_.reset();
  }
  exchange_->OnLegDone(leg->id(), leg->code());
}

absl::Cord UnaryPlan::LegResponse(int id) {
  return MessageOf(legs_[static_cast<size_t>(id)]->body(), env_->message_cap());
}

void UnaryPlan::RespondWithLeg(int id) {
  if (destroying_) return;
  responder_->RespondWithLeg(*legs_[static_cast<size_t>(id)]);
}

void UnaryPlan::RespondMerged(routing::MergeResult merged, int metadata_leg) {
  if (destroying_) return;
  interleave_outcome_ = "merged";
  responder_->RespondMerged(std::move(merged), *legs_[static_cast<size_t>(metadata_leg)]);
}

void UnaryPlan::CountFallback(int /*arm*/, int code) { call_.route->fallbacks->Increment(code); }

void UnaryPlan::CountUnmerged(const char* reason) {
  interleave_outcome_ = reason;  // a string literal (see ExchangeHost)
  if (call_.route->merger != nullptr) call_.route->merger->Unmerged(reason);
}

const char* UnaryPlan::ShadowOutcome() const {
  if (call_.plan.shadows.empty()) return "sampled_out";
  if (shadows_sent_ == 0) return "not_sent";
  if (shadows_dropped_ == 0) return "mirrored";
  return shadows_dropped_ == shadows_sent_ ? "dropped" : "partly_dropped";
}

const char* UnaryPlan::InterleaveOutcome() const {
  if (interleave_outcome_ != nullptr) return interleave_outcome_;
  if (call_.plan.merge.empty()) return "not_merged";
  if (!exchange_.has_value()) return "not_sent";
  return exchange_->answered() ? "failed" : "cancelled";
}

}  // namespace modelgate::h2
