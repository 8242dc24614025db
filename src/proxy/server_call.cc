// A client call: local answers, routing, and the plan's execution; see server_call.h.
#include "proxy/server_call.h"

#include <algorithm>
#include <utility>

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "absl/strings/str_cat.h"
#include "common/log_rate_limit.h"
#include "grpc/health/v1/health.pb.h"
#include "proxy/grpc_cord.h"
#include "proxy/leg_payload.h"
#include "proxy/shadow_join.h"
#include "proxy/shadow_dispatcher.h"
#include "proxy/snapshot.h"
#include "routing/request.h"
#include "telemetry/access_log.h"
#include "telemetry/metrics.h"

namespace modelgate::proxy {
namespace {

constexpr std::string_view kHealthCheck = "/grpc.health.v1.Health/Check";
constexpr std::string_view kHealthWatch = "/grpc.health.v1.Health/Watch";
constexpr std::string_view kFeedback = "/modelgate.feedback.v1.Feedback/RecordClicks";
constexpr char kArmHeader[] = "x-modelgate-arm";
constexpr char kShadowMarker[] = "x-modelgate-shadow";

// Shedding happens at the rate of traffic: one line a second at most, whatever the load (a
// lock-free check; the line says how many sheds it stands for).
constinit LogRateLimiter shed_log(1, std::chrono::seconds(1));

std::string_view View(const grpc::string_ref& s) { return std::string_view(s.data(), s.size()); }

class MetadataLookup final : public routing::HeaderLookup {
 public:
  explicit MetadataLookup(const std::multimap<grpc::string_ref, grpc::string_ref>& md) : md_(md) {}
  std::optional<std::string_view> Get(std::string_view key) const override {
    auto it = md_.find(grpc::string_ref(key.data(), key.size()));
    if (it == md_.end()) return std::nullopt;
    return View(it->second);
  }

 private:
  const std::multimap<grpc::string_ref, grpc::string_ref>& md_;
};

}  // namespace

ServerCall::ServerCall(CallEnv* env) : env_(env), stream_(&server_ctx_) {}

ServerCall::~ServerCall() {
  // A routed call that ended without its status being sent (the client went away while its
  // legs ran) still counts, as what happened to it.
  if (route_ != nullptr && !call_counted_) {
    CountCall(MapCancellation(grpc::StatusCode::CANCELLED),
              answer_arm_ >= 0 ? answer_arm_ : plan_.primary);
  }
  if (inflight_counted_) route_->inflight->Decrement();
  if (routed_call_counted_) env_->RoutedCallEnded();
  if (mode_ == Mode::kHealthWatch) env_->RemoveWatcher(this);
  env_->CallEnded();
}

void ServerCall::Accept(grpc::AsyncGenericService* service) {
  env_->CallStarted();
  server_ctx_.AsyncNotifyWhenDone(Tag(kDone));
  ++pending_;  // the accept tag; the done tag is counted once the call exists
  service->RequestCall(&server_ctx_, &stream_, env_->cq(), env_->cq(), Tag(kAccepted));
}

void ServerCall::OnEvent(int kind, bool ok) {
  if (kind == kAccepted && !ok) {
    // The server is shutting down and this slot was never matched to a call: no done tag comes.
    delete this;
    return;
  }
  if (kind != kDone) --pending_;
  switch (kind) {
    case kAccepted: OnAccepted(); break;
    case kDone: OnDone(); break;
    case kServerRead: OnServerRead(ok); break;
    case kServerWrite: OnServerWrite(ok); break;
    case kServerFinish: OnServerFinish(ok); break;
  }
  MaybeDelete();
}

void ServerCall::MaybeDelete() {
  // The done tag is delivered for every accepted call, so it is the last event unless an
  // operation, a leg or the forwarder is still outstanding. Shadow legs are the dispatcher's.
  if (mode_ == Mode::kAccepting || !done_ || pending_ > 0) return;
  if (exchange_.has_value() && !exchange_->finished()) return;
  if (forwarder_.has_value() && !forwarder_->idle()) return;
  delete this;
}

// --- accepting and routing ------------------------------------------------------------------

void ServerCall::OnAccepted() {
  if (env_->accepting()) env_->PostAccept();
  start_ = std::chrono::steady_clock::now();
  const std::string& method = server_ctx_.method();
  if (method == kHealthCheck || method == kHealthWatch) {
    mode_ = method == kHealthCheck ? Mode::kHealthCheck : Mode::kHealthWatch;
    ++pending_;
    stream_.Read(&request_, Tag(kServerRead));
    return;
  }
  if (method == kFeedback && env_->CurrentSnapshot()->feedback() != nullptr) {
    mode_ = Mode::kFeedback;
    ++pending_;
    stream_.Read(&request_, Tag(kServerRead));
    return;
  }
  if (!env_->TryStartRoutedCall()) {
    env_->metrics().Overloaded()->Increment();
    MG_LOG_RATE_LIMITED(shed_log, kWarning,
                        "overloaded: shedding calls with RESOURCE_EXHAUSTED (more than "
                        "proxy.max_inflight_calls in progress; see "
                        "modelgate_overload_rejections_total)");
    FinishLocally(grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "modelgate: overloaded: too many calls in progress (proxy.max_inflight_calls)");
    return;
  }
  routed_call_counted_ = true;
  Route();
}

void ServerCall::Route() {
  snapshot_ = env_->CurrentSnapshot();
  const std::string& method = server_ctx_.method();
  MetadataLookup headers(server_ctx_.client_metadata());
  const routing::RequestInfo info{method, &headers};
  const int r = snapshot_->table().Match(info);
  if (r < 0) {
    env_->metrics().Unrouted()->Increment();
    FinishLocally(grpc::StatusCode::UNIMPLEMENTED,
                  absl::StrCat("modelgate: no route for ", method));
    return;
  }
  route_ = &snapshot_->route(r);
  plan_ = route_->route->strategy->Plan(info, env_->rng());
  if (plan_.diverted_from >= 0) route_->arms[plan_.diverted_from].diversions.Increment();
  route_->inflight->Increment();
  inflight_counted_ = true;

  // The client's deadline, capped by the route's timeout.
  const auto client = server_ctx_.deadline();
  if (client != std::chrono::system_clock::time_point::max()) {
    deadline_ = absl::FromChrono(client);
  }
  if (const double cap = route_->route->timeout_seconds; cap > 0) {
    const absl::Time capped = absl::Now() + absl::Seconds(cap);
    if (capped < deadline_) {
      deadline_ = capped;
      deadline_is_clients_ = false;
    }
  }

  if (snapshot_->IsUnary(method)) {
    mode_ = Mode::kUnary;
    ++pending_;
    stream_.Read(&request_, Tag(kServerRead));
    return;
  }
  // Multi-leg plans need whole messages: a streaming call runs its primary alone.
  mode_ = Mode::kStreaming;
  const ArmRuntime& arm = route_->arms[plan_.primary];
  if (route_->route->arm_header) server_ctx_.AddInitialMetadata(kArmHeader, arm.spec->name);
  forwarder_.emplace(this, &arm);
  const gpr_timespec raw = server_ctx_.raw_deadline();
  forwarder_->Start(env_->cq(), method, deadline_, deadline_is_clients_,
                    deadline_is_clients_ ? &raw : nullptr);
}

void ServerCall::OnDone() {
  done_ = true;
  cancelled_ = server_ctx_.IsCancelled();
  if (cancelled_) {
    // The client went away: cancel what runs upstream (shadows excepted: they are never
    // cancelled for the client).
    if (exchange_.has_value()) exchange_->OnClientCancelled();
    if (forwarder_.has_value()) forwarder_->OnClientCancelled();
    if (!finish_sent_ && final_code_ < 0) final_code_ = grpc::StatusCode::CANCELLED;
  }
  if (mode_ == Mode::kHealthWatch) env_->RemoveWatcher(this);
}

void ServerCall::OnServerRead(bool ok) {
  switch (mode_) {
    case Mode::kHealthCheck:
    case Mode::kHealthWatch:
      if (!ok) {
        FinishLocally(grpc::StatusCode::INTERNAL, "modelgate: missing health check request");
        return;
      }
      HandleHealthRequest();
      return;
    case Mode::kFeedback:
      if (!ok) {
        FinishLocally(grpc::StatusCode::INVALID_ARGUMENT, "modelgate: missing RecordClicksRequest");
        return;
      }
      HandleFeedback();
      return;
    case Mode::kUnary:
      if (!ok) {
        FinishLocally(grpc::StatusCode::INTERNAL,
                      "modelgate: client half-closed a unary call without a request");
        return;
      }
      if (done_ && cancelled_) {
        FinishLocally(grpc::StatusCode::CANCELLED, "modelgate: cancelled by client");
        return;
      }
      if (static_cast<int64_t>(request_.Length()) > env_->max_message_bytes()) {
        FinishLocally(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      absl::StrCat("modelgate: request message of ", request_.Length(),
                                   " bytes is larger than proxy.max_message_bytes (",
                                   env_->max_message_bytes(), ")"));
        return;
      }
      StartExchange();
      return;
    default:
      return;
  }
}

// --- the unary exchange --------------------------------------------------------------------

void ServerCall::StartExchange() {
  if (!plan_.shadows.empty() && route_->shadow_sink != nullptr) {
    MetadataLookup md(server_ctx_.client_metadata());
    shadow_join_ = std::make_shared<ShadowJoin>(
        route_->shadow_sink, static_cast<int>(plan_.shadows.size()),
        std::string(md.Get("x-request-id").value_or("")), server_ctx_.method());
  }
  exchange_.emplace(plan_, route_->merger.get(), deadline_, &env_->rng(), this);
  exchange_->Start();
}

void ServerCall::StartLeg(int id, int arm, absl::Time deadline) {
  UnaryLeg* leg;
  if (id == 0) {
    leg = &first_leg_.emplace(this, id, arm, &route_->arms[arm]);
  } else {
    more_legs_.push_back(std::make_unique<UnaryLeg>(this, id, arm, &route_->arms[arm]));
    leg = more_legs_.back().get();
  }
  legs_.push_back(leg);
  UnaryLeg::Request request{server_ctx_.method(), request_, server_ctx_.client_metadata(),
                            deadline};
  request.deadline_is_clients = deadline_is_clients_;
  const gpr_timespec raw = server_ctx_.raw_deadline();
  if (deadline_is_clients_ && deadline == deadline_) request.exact_deadline = &raw;
  leg->Start(env_->cq(), request);
}

void ServerCall::CancelLeg(int id) { leg(id).Cancel(); }

void ServerCall::StartShadow(int arm) {
  ++shadows_sent_;
  telemetry::Outcome outcome;
  outcome.shard = env_->shard();
  outcome.keyed = plan_.keyed;
  outcome.key_hash = plan_.key_hash;
  outcome.weight_epoch = route_->weight_epoch;
  const ArmRuntime& rt = route_->arms[arm];
  // The shadow's own deadline, never the client's: it must not be cut short by the client,
  // nor hold anything of the client's call.
  UnaryLeg::Request request{server_ctx_.method(), request_, server_ctx_.client_metadata(),
                            absl::Now() + rt.shadow_timeout};
  request.deadline_is_clients = false;
  request.marker = kShadowMarker;
  if (!env_->shadows().Start(snapshot_, route_, arm, request, request_, outcome, shadow_join_)) {
    ++shadows_dropped_;
    rt.shadow_dropped.Increment();
    if (shadow_join_ != nullptr) shadow_join_->SkipCopy();
  }
}

void ServerCall::OnLegFinished(UnaryLeg* leg) {
  if (telemetry::OutcomeSink* sink = route_->sink.get()) {
    telemetry::Outcome o;
    o.shard = env_->shard();
    o.arm = leg->arm();
    o.role = leg->runtime()->spec->role;
    o.code = leg->code();
    o.latency_seconds = leg->latency_seconds();
    o.keyed = plan_.keyed;
    o.key_hash = plan_.key_hash;
    o.weight_epoch = route_->weight_epoch;
    sink->Record(o);
    if (o.code == 0 && sink->WantsPayload(o, env_->rng())) {
      sink->OfferPayload(o, LegPayload(request_, leg->response()));
    }
  }
  if (shadow_join_ != nullptr && leg->id() == 0) {
    // The primary's answer, for the comparer (a shadow plan has no fallback: leg 0 answers).
    shadow_join_->SetPrimary({leg->arm(), leg->code(), leg->latency_seconds(),
                              leg->code() == 0 ? CordFromByteBuffer(leg->response())
                                               : absl::Cord()});
    shadow_join_.reset();
  }
  exchange_->OnLegDone(leg->id(), leg->code());
  MaybeDelete();  // last: the leg's event returns without touching the leg
}

absl::Cord ServerCall::LegResponse(int id) { return CordFromByteBuffer(leg(id).response()); }

void ServerCall::CopyLegMetadata(UnaryLeg& leg) {
  for (const auto& [key, value] : leg.context().GetServerInitialMetadata()) {
    server_ctx_.AddInitialMetadata(std::string(key.data(), key.size()),
                                   std::string(value.data(), value.size()));
  }
  for (const auto& [key, value] : leg.context().GetServerTrailingMetadata()) {
    // grpc-status-details-bin is re-added from Status::error_details(); copying it too would
    // send it twice.
    if (View(key).starts_with("grpc-")) continue;
    server_ctx_.AddTrailingMetadata(std::string(key.data(), key.size()),
                                    std::string(value.data(), value.size()));
  }
  answer_arm_ = leg.arm();
  if (route_->route->arm_header) {
    server_ctx_.AddInitialMetadata(kArmHeader, route_->arms[leg.arm()].spec->name);
  }
}

void ServerCall::RespondWithLeg(int id) {
  UnaryLeg& l = leg(id);
  CopyLegMetadata(l);
  const grpc::Status status = l.ClientStatus();
  final_code_ = status.error_code();
  if (status.ok()) {
    response_bytes_ = static_cast<int64_t>(l.response().Length());
  } else {
    final_message_ = status.error_message();
  }
  finish_sent_ = true;
  ++pending_;
  if (status.ok()) {
    stream_.WriteAndFinish(l.response(), grpc::WriteOptions(), status, Tag(kServerFinish));
  } else {
    stream_.Finish(status, Tag(kServerFinish));
  }
}

void ServerCall::RespondMerged(routing::MergeResult merged, int metadata_leg) {
  CopyLegMetadata(leg(metadata_leg));
  for (auto& [key, value] : merged.metadata) server_ctx_.AddInitialMetadata(key, value);
  interleave_outcome_ = "merged";
  response_bytes_ = static_cast<int64_t>(merged.response.size());
  final_code_ = grpc::StatusCode::OK;
  finish_sent_ = true;
  ++pending_;
  stream_.WriteAndFinish(ByteBufferFromCord(merged.response), grpc::WriteOptions(),
                         grpc::Status::OK, Tag(kServerFinish));
}

void ServerCall::CountFallback(int /*arm*/, int code) { route_->fallbacks->Increment(code); }

void ServerCall::CountUnmerged(const char* reason) {
  interleave_outcome_ = reason;  // a string literal (see ExchangeHost)
  if (route_->merger != nullptr) route_->merger->Unmerged(reason);
}

// --- the end of a call -----------------------------------------------------------------------

void ServerCall::FinishLocally(grpc::StatusCode code, const std::string& message) {
  if (mode_ == Mode::kAccepting) mode_ = Mode::kLocal;
  final_code_ = code;
  final_message_ = message;
  finish_sent_ = true;
  ++pending_;
  stream_.Finish(grpc::Status(code, message), Tag(kServerFinish));
}

int ServerCall::MapCancellation(int code) const {
  if (code != grpc::StatusCode::CANCELLED || deadline_ == absl::InfiniteFuture()) return code;
  // A client whose deadline expires resets the stream, which we see as a cancellation that can
  // arrive slightly before our copy of the deadline: ours was computed from grpc-timeout on
  // arrival (later than the client's clock) and the header is rounded up. So a cancellation
  // within 5% (at least 10 ms) of the deadline counts as the deadline.
  const absl::Duration elapsed =
      absl::FromChrono(std::chrono::steady_clock::now() - start_);
  const absl::Duration remaining = deadline_ - absl::Now();
  const absl::Duration slack = std::max(absl::Milliseconds(10), (remaining + elapsed) / 20);
  return remaining <= slack ? grpc::StatusCode::DEADLINE_EXCEEDED : code;
}

void ServerCall::CountCall(int code, int arm) {
  call_counted_ = true;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const ArmRuntime& a = route_->arms[arm];
  a.metrics->requests->Increment(code);
  a.metrics->duration->Observe(seconds);
  LogCall(code, arm, seconds);
}

const char* ServerCall::ShadowOutcome() const {
  if (mode_ == Mode::kStreaming) return "streaming";
  if (plan_.shadows.empty()) return "sampled_out";
  if (shadows_sent_ == 0) return "not_sent";  // the call ended before its legs started
  if (shadows_dropped_ == 0) return "mirrored";
  return shadows_dropped_ == shadows_sent_ ? "dropped" : "partly_dropped";
}

const char* ServerCall::InterleaveOutcome() const {
  if (mode_ == Mode::kStreaming) return "streaming";
  if (interleave_outcome_ != nullptr) return interleave_outcome_;
  if (plan_.merge.empty()) return "not_merged";
  if (!exchange_.has_value()) return "not_sent";
  return exchange_->answered() ? "failed" : "cancelled";
}

void ServerCall::LogCall(int code, int arm, double seconds) {
  const std::shared_ptr<const Snapshot>& snapshot =
      snapshot_ != nullptr ? snapshot_ : env_->CurrentSnapshot();
  telemetry::AccessLog* log = snapshot->access_log();
  if (log == nullptr) return;
  telemetry::AccessLogEntry e;
  e.time = absl::Now();
  e.method = server_ctx_.method();
  e.code = code;
  e.latency_ms = seconds * 1e3;
  e.request_id = std::string(
      MetadataLookup(server_ctx_.client_metadata()).Get("x-request-id").value_or(""));
  if (mode_ == Mode::kStreaming && forwarder_.has_value()) {
    e.request_bytes = forwarder_->request_bytes();
    e.response_bytes = forwarder_->response_bytes();
    if (code != grpc::StatusCode::OK) e.message = forwarder_->final_message();
  } else {
    if (mode_ == Mode::kUnary) e.request_bytes = static_cast<int64_t>(request_.Length());
    e.response_bytes = response_bytes_;
    if (code != grpc::StatusCode::OK) e.message = final_message_;
  }
  if (e.message.size() > telemetry::kAccessLogMaxMessageBytes) {
    e.message.resize(telemetry::kAccessLogMaxMessageBytes);
  }
  if (route_ != nullptr && arm >= 0) {
    e.route = route_->route->name;
    e.arm = route_->arms[arm].spec->name;
    for (const ArmRuntime& a : route_->arms) {
      if (a.spec->role == routing::ArmRole::kShadow) {
        e.shadow = ShadowOutcome();
        break;
      }
    }
    if (route_->merger != nullptr) e.interleave = InterleaveOutcome();
  }
  log->Record(env_->shard(), std::move(e));
}

void ServerCall::OnServerFinish(bool ok) {
  if (route_ == nullptr) {
    // Local replies: calls refused before routing (no route, overload) are logged; health
    // checks and click feedback are not client traffic to a model.
    if (mode_ == Mode::kLocal) {
      LogCall(final_code_, -1,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    return;
  }
  const int code = MapCancellation(ok ? final_code_ : grpc::StatusCode::CANCELLED);
  CountCall(code, answer_arm_ >= 0 ? answer_arm_ : plan_.primary);
}

void ServerCall::OnStreamEnded(int code, bool sent) {
  const int final_code = MapCancellation(sent ? code : grpc::StatusCode::CANCELLED);
  CountCall(final_code, plan_.primary);
  if (telemetry::OutcomeSink* sink = route_->sink.get()) {
    telemetry::Outcome o;
    o.shard = env_->shard();
    o.arm = plan_.primary;
    o.role = route_->arms[plan_.primary].spec->role;
    o.code = final_code;
    o.latency_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    o.keyed = plan_.keyed;
    o.key_hash = plan_.key_hash;
    o.weight_epoch = route_->weight_epoch;
    sink->Record(o);
  }
}

// --- modelgate.feedback.v1 (interleaving's click feedback) ---------------------------------

void ServerCall::HandleFeedback() {
  if (static_cast<int64_t>(request_.Length()) > env_->max_message_bytes()) {
    FinishLocally(grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "modelgate: RecordClicksRequest larger than proxy.max_message_bytes");
    return;
  }
  absl::StatusOr<std::string> response =
      env_->CurrentSnapshot()->feedback()->RecordClicks(CordFromByteBuffer(request_));
  if (!response.ok()) {
    // absl and gRPC share the canonical status codes.
    FinishLocally(static_cast<grpc::StatusCode>(response.status().code()),
                  absl::StrCat("modelgate: ", response.status().message()));
    return;
  }
  local_message_ = ByteBufferFromCord(absl::Cord(*std::move(response)));
  final_code_ = grpc::StatusCode::OK;
  finish_sent_ = true;
  ++pending_;
  stream_.WriteAndFinish(local_message_, grpc::WriteOptions(), grpc::Status::OK,
                         Tag(kServerFinish));
}

// --- grpc.health.v1 -------------------------------------------------------------------------

int ServerCall::ServingStatus(const std::string& service) const {
  using grpc::health::v1::HealthCheckResponse;
  if (!service.empty() && service != "modelgate") return -1;
  return env_->serving() ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

void ServerCall::HandleHealthRequest() {
  grpc::health::v1::HealthCheckRequest req;
  grpc::ProtoBufferReader reader(&request_);
  if (!req.ParseFromZeroCopyStream(&reader)) {
    FinishLocally(grpc::StatusCode::INVALID_ARGUMENT, "modelgate: malformed HealthCheckRequest");
    return;
  }
  health_service_ = req.service();
  if (mode_ == Mode::kHealthCheck) {
    const int status = ServingStatus(health_service_);
    if (status < 0) {
      FinishLocally(grpc::StatusCode::NOT_FOUND,
                    absl::StrCat("modelgate: unknown health service \"", health_service_, "\""));
      return;
    }
    grpc::health::v1::HealthCheckResponse resp;
    resp.set_status(static_cast<grpc::health::v1::HealthCheckResponse::ServingStatus>(status));
    bool own = false;
    grpc::SerializationTraits<grpc::health::v1::HealthCheckResponse>::Serialize(
        resp, &local_message_, &own);
    final_code_ = grpc::StatusCode::OK;
    finish_sent_ = true;
    ++pending_;
    stream_.WriteAndFinish(local_message_, grpc::WriteOptions(), grpc::Status::OK,
                           Tag(kServerFinish));
    return;
  }
  env_->AddWatcher(this);
  PushHealth();
}

void ServerCall::PushHealth() {
  using grpc::health::v1::HealthCheckResponse;
  if (health_writing_ || finish_sent_ || done_) return;
  int status = ServingStatus(health_service_);
  if (status < 0) status = HealthCheckResponse::SERVICE_UNKNOWN;
  if (status == health_sent_) {
    // Everything is said: once the server stops, end the stream so draining need not wait.
    if (env_->stopping()) FinishLocally(grpc::StatusCode::UNAVAILABLE, "modelgate: shutting down");
    return;
  }
  HealthCheckResponse resp;
  resp.set_status(static_cast<HealthCheckResponse::ServingStatus>(status));
  bool own = false;
  grpc::SerializationTraits<HealthCheckResponse>::Serialize(resp, &local_message_, &own);
  health_sent_ = status;
  health_writing_ = true;
  ++pending_;
  stream_.Write(local_message_, Tag(kServerWrite));
}

void ServerCall::OnServerWrite(bool ok) {
  // Only health Watch writes on its own (the forwarder writes with its own tags).
  health_writing_ = false;
  if (ok) PushHealth();
}

}  // namespace modelgate::proxy
