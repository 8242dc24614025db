// The forwarding state machine; see call.h for the two paths.
#include "proxy/call.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include "absl/strings/str_cat.h"
#include "common/log_rate_limit.h"
#include "grpc/health/v1/health.pb.h"
#include "monitor/monitor_engine.h"
#include "proxy/server.h"
#include "proxy/worker.h"
#include "routing/request.h"

namespace modelgate::proxy {
namespace {

constexpr std::string_view kHealthCheck = "/grpc.health.v1.Health/Check";
constexpr std::string_view kHealthWatch = "/grpc.health.v1.Health/Watch";
constexpr char kArmHeader[] = "x-modelgate-arm";

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

// Keys gRPC itself owns on the request: forwarding them would duplicate or contradict what the
// upstream channel sets (user-agent is rewritten by the client library in any case).
bool SkipRequestKey(std::string_view key) {
  return key == "user-agent" || key.starts_with("grpc-");
}

// Whether an UNAVAILABLE status was made by our own channel (connection refused, reset, closed)
// rather than sent by the backend. gRPC marks statuses that arrived in trailers with "Error
// received from peer" in the debug string, but a connection that breaks MID-call is marked so
// too, with the transport's own message: those messages are recognised here.
bool ChannelMadeStatus(const std::string& message, const std::string& debug) {
  if (debug.find("Error received from peer") == std::string::npos) return true;
  const std::string_view m = message;
  return m.starts_with("recvmsg:") || m.starts_with("sendmsg:") || m == "Socket closed" ||
         m.find("Connection reset by peer") != std::string_view::npos ||
         m.find("Broken pipe") != std::string_view::npos ||
         m.find("GOAWAY") != std::string_view::npos ||
         m.find("keepalive watchdog timeout") != std::string_view::npos;
}

}  // namespace

ProxyCall::ProxyCall(Worker* worker) : worker_(worker), stream_(&server_ctx_) {}

ProxyCall::~ProxyCall() {
  if (inflight_counted_) route_->inflight->Decrement();
  if (routed_call_counted_) worker_->RoutedCallEnded();
  if (mode_ == Mode::kHealthWatch) worker_->RemoveWatcher(this);
  worker_->CallEnded();
}

void ProxyCall::Accept(grpc::AsyncGenericService* service) {
  worker_->CallStarted();
  server_ctx_.AsyncNotifyWhenDone(Tag(kDone));
  ++pending_;  // the accept tag; the done tag is counted once the call exists
  service->RequestCall(&server_ctx_, &stream_, worker_->cq(), worker_->cq(), Tag(kAccepted));
}

void ProxyCall::OnEvent(int kind, bool ok) {
  if (kind == kAccepted && !ok) {
    // The server is shutting down and this slot was never matched to a call: no done tag comes.
    delete this;
    return;
  }
  if (kind != kDone) --pending_;
  switch (kind) {
    case kAccepted: OnAccepted(ok); break;
    case kDone: OnDone(); break;
    case kServerRead: OnServerRead(ok); break;
    case kServerWrite: OnServerWrite(ok); break;
    case kServerMeta: break;  // failures surface through the done notification
    case kServerFinish: OnServerFinish(ok); break;
    case kUpMeta: OnUpMeta(ok); break;
    case kUpRead: OnUpRead(ok); break;
    case kUpWrite: OnUpWrite(ok); break;
    case kUpFinish: OnUpFinish(); break;
    case kUpStart: OnUpStart(ok); break;
  }
  MaybeDelete();
}

void ProxyCall::MaybeDelete() {
  // The done tag is delivered for every accepted call, so it is the last event unless an
  // operation is still outstanding.
  if (mode_ == Mode::kAccepting || !done_ || pending_ > 0) return;
  delete this;
}

void ProxyCall::OnAccepted(bool /*ok*/) {
  if (worker_->server()->accepting()) worker_->PostAccept();
  start_ = std::chrono::steady_clock::now();
  const std::string& method = server_ctx_.method();

  if (method == kHealthCheck || method == kHealthWatch) {
    mode_ = method == kHealthCheck ? Mode::kHealthCheck : Mode::kHealthWatch;
    ++pending_;
    stream_.Read(&request_, Tag(kServerRead));
    return;
  }

  if (!worker_->TryStartRoutedCall()) {
    worker_->server()->metrics().Overloaded()->Increment();
    MG_LOG_RATE_LIMITED(shed_log, kWarning,
                        "overloaded: shedding calls with RESOURCE_EXHAUSTED (more than "
                        "proxy.max_inflight_calls in progress; see "
                        "modelgate_overload_rejections_total)");
    FinishLocally(grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "modelgate: overloaded: too many calls in progress (proxy.max_inflight_calls)");
    return;
  }
  routed_call_counted_ = true;
  snapshot_ = worker_->CurrentSnapshot();
  MetadataLookup headers(server_ctx_.client_metadata());
  routing::RequestInfo info{method, &headers};
  const int r = snapshot_->table().Match(info);
  if (r < 0) {
    worker_->server()->metrics().Unrouted()->Increment();
    FinishLocally(grpc::StatusCode::UNIMPLEMENTED,
                  absl::StrCat("modelgate: no route for ", method));
    return;
  }
  route_ = &snapshot_->route(r);
  const routing::RoutePlan plan = route_->route->strategy->Plan(info, worker_->rng());
  arm_index_ = plan.primary;
  user_ = plan.keyed ? std::optional<uint64_t>(plan.key_hash) : std::nullopt;
  arm_ = &route_->arms[arm_index_];
  route_->inflight->Increment();
  inflight_counted_ = true;
  if (route_->route->arm_header) server_ctx_.AddInitialMetadata(kArmHeader, arm_->spec->name);

  if (snapshot_->IsUnary(method)) {
    mode_ = Mode::kUnary;
  } else {
    mode_ = Mode::kStreaming;
    StartStreamingUpstream();
  }
  ++pending_;
  stream_.Read(&request_, Tag(kServerRead));
}

void ProxyCall::OnDone() {
  done_ = true;
  cancelled_ = server_ctx_.IsCancelled();
  // The client went away: cancel the upstream call. If the upstream call has not started yet,
  // the start paths check cancelled_ and do not start it.
  if (cancelled_ && upstream_ctx_.has_value() && !upstream_finished_) upstream_ctx_->TryCancel();
  if (cancelled_ && !finish_sent_ && final_code_ < 0) final_code_ = grpc::StatusCode::CANCELLED;
  if (mode_ == Mode::kHealthWatch) worker_->RemoveWatcher(this);
}

void ProxyCall::PrepareUpstreamContext() {
  upstream_ctx_.emplace();
  grpc::ClientContext& ctx = *upstream_ctx_;
  const gpr_timespec client_deadline = server_ctx_.raw_deadline();
  const double cap = route_->route->timeout_seconds;
  if (cap > 0) {
    const auto capped = std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::duration<double>(cap));
    if (gpr_time_cmp(client_deadline, gpr_inf_future(client_deadline.clock_type)) == 0 ||
        server_ctx_.deadline() > capped) {
      ctx.set_deadline(capped);
      deadline_is_clients_ = false;
    } else {
      ctx.set_deadline(client_deadline);
    }
  } else {
    ctx.set_deadline(client_deadline);
  }
  for (const auto& [key, value] : server_ctx_.client_metadata()) {
    if (SkipRequestKey(View(key))) continue;
    ctx.AddMetadata(std::string(key.data(), key.size()), std::string(value.data(), value.size()));
  }
}

void ProxyCall::StartUnaryUpstream() {
  PrepareUpstreamContext();
  upstream_unary_ = arm_->backend->stub->PrepareUnaryCall(&*upstream_ctx_, server_ctx_.method(),
                                                          request_, worker_->cq());
  upstream_unary_->StartCall();
  ++pending_;
  upstream_unary_->Finish(&response_, &upstream_status_, Tag(kUpFinish));
}

void ProxyCall::StartStreamingUpstream() {
  PrepareUpstreamContext();
  upstream_stream_ =
      arm_->backend->stub->PrepareCall(&*upstream_ctx_, server_ctx_.method(), worker_->cq());
  pending_ += 2;
  upstream_stream_->StartCall(Tag(kUpStart));
  upstream_stream_->ReadInitialMetadata(Tag(kUpMeta));
}

void ProxyCall::OnServerRead(bool ok) {
  switch (mode_) {
    case Mode::kHealthCheck:
    case Mode::kHealthWatch:
      if (!ok) {
        FinishLocally(grpc::StatusCode::INTERNAL, "modelgate: missing health check request");
        return;
      }
      HandleHealthRequest();
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
      if (RequestTooLarge()) {
        FinishLocally(grpc::StatusCode::RESOURCE_EXHAUSTED, TooLargeMessage());
        return;
      }
      StartUnaryUpstream();
      return;
    case Mode::kStreaming:
      if (upstream_finished_) return;  // the call is over; late client messages are dropped
      if (ok && RequestTooLarge()) {
        // End the call with our own status: cancel the upstream call; its Finish answers the
        // client with local_status_ instead of the upstream's.
        local_status_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, TooLargeMessage());
        upstream_ctx_->TryCancel();
        return;
      }
      // StartCall and Write share one operation slot in the C++ stream: a write may only be
      // issued once the start has completed.
      if (!upstream_started_) {
        deferred_write_ = ok ? DeferredWrite::kMessage : DeferredWrite::kWritesDone;
        return;
      }
      ForwardClientMessage(ok);
      return;
    default:
      return;
  }
}

void ProxyCall::ForwardClientMessage(bool has_message) {
  if (upstream_write_failed_) return;  // upstream is gone; its Finish ends the call
  if (has_message) {
    ++pending_;
    upstream_stream_->Write(request_, Tag(kUpWrite));
  } else {
    // Client half-close (or cancellation, which the done tag handles).
    upstream_writes_done_ = true;
    ++pending_;
    upstream_stream_->WritesDone(Tag(kUpWrite));
  }
}

void ProxyCall::OnUpStart(bool ok) {
  upstream_started_ = true;
  if (!ok) upstream_write_failed_ = true;  // the reads fail too and end the call
  const DeferredWrite deferred = deferred_write_;
  deferred_write_ = DeferredWrite::kNone;
  if (deferred != DeferredWrite::kNone && !upstream_finished_)
    ForwardClientMessage(deferred == DeferredWrite::kMessage);
}

void ProxyCall::OnUpWrite(bool ok) {
  if (upstream_writes_done_) return;
  if (!ok) {
    upstream_write_failed_ = true;  // stop reading the client; the upstream read loop ends it
    return;
  }
  if (upstream_finished_) return;
  ++pending_;
  stream_.Read(&request_, Tag(kServerRead));
}

void ProxyCall::CopyUpstreamInitialMetadata() {
  for (const auto& [key, value] : upstream_ctx_->GetServerInitialMetadata()) {
    server_ctx_.AddInitialMetadata(std::string(key.data(), key.size()),
                                   std::string(value.data(), value.size()));
  }
}

void ProxyCall::OnUpMeta(bool ok) {
  if (ok) {
    CopyUpstreamInitialMetadata();
    ++pending_;
    stream_.SendInitialMetadata(Tag(kServerMeta));
    ++pending_;
    upstream_stream_->Read(&response_, Tag(kUpRead));
  } else {
    ++pending_;
    upstream_stream_->Finish(&upstream_status_, Tag(kUpFinish));
  }
}

void ProxyCall::OnUpRead(bool ok) {
  if (ok) {
    ++pending_;
    stream_.Write(response_, Tag(kServerWrite));
  } else {
    ++pending_;
    upstream_stream_->Finish(&upstream_status_, Tag(kUpFinish));
  }
}

void ProxyCall::OnServerWrite(bool ok) {
  if (mode_ == Mode::kHealthWatch) {
    health_writing_ = false;
    if (ok) PushHealth();
    return;
  }
  if (ok) {
    ++pending_;
    upstream_stream_->Read(&response_, Tag(kUpRead));
  } else {
    // The client is gone; cancel upstream and collect its status so the call can end.
    upstream_ctx_->TryCancel();
    ++pending_;
    upstream_stream_->Finish(&upstream_status_, Tag(kUpFinish));
  }
}

bool ProxyCall::RequestTooLarge() const {
  return static_cast<int64_t>(request_.Length()) > worker_->server()->max_message_bytes();
}

std::string ProxyCall::TooLargeMessage() const {
  return absl::StrCat("modelgate: request message of ", request_.Length(),
                      " bytes is larger than proxy.max_message_bytes (",
                      worker_->server()->max_message_bytes(), ")");
}

grpc::Status ProxyCall::ClientStatusFromUpstream() {
  if (local_status_.has_value()) return *local_status_;  // we ended the call ourselves
  const grpc::StatusCode code = upstream_status_.error_code();
  if (code == grpc::StatusCode::OK) return grpc::Status::OK;
  // A call our client cancelled, or whose deadline (the client's own, not the route's cap)
  // passed, is not the backend's failure.
  const bool client_gave_up =
      (cancelled_ && code == grpc::StatusCode::CANCELLED) ||
      (deadline_is_clients_ && code == grpc::StatusCode::DEADLINE_EXCEEDED);
  if (!client_gave_up) {
    arm_->backend->metrics->upstream_errors->Increment(code);
  }
  // Statuses the backend sent pass through unchanged; failures the channel produced itself
  // (connection refused, no address) get the backend named, so the client can tell who failed.
  if (code == grpc::StatusCode::UNAVAILABLE &&
      ChannelMadeStatus(upstream_status_.error_message(), upstream_ctx_->debug_error_string())) {
    return grpc::Status(code,
                        absl::StrCat("modelgate: backend \"", arm_->backend->name, "\" (",
                                     arm_->backend->address,
                                     ") unavailable: ", upstream_status_.error_message()),
                        upstream_status_.error_details());
  }
  return grpc::Status(code, upstream_status_.error_message(), upstream_status_.error_details());
}

void ProxyCall::OnUpFinish() {
  upstream_finished_ = true;
  if (mode_ == Mode::kUnary) CopyUpstreamInitialMetadata();
  for (const auto& [key, value] : upstream_ctx_->GetServerTrailingMetadata()) {
    // grpc-status-details-bin is re-added from Status::error_details(); copying it too would
    // send it twice.
    if (View(key).starts_with("grpc-")) continue;
    server_ctx_.AddTrailingMetadata(std::string(key.data(), key.size()),
                                    std::string(value.data(), value.size()));
  }
  grpc::Status status = ClientStatusFromUpstream();
  final_code_ = status.error_code();
  if (mode_ == Mode::kUnary && status.ok() && route_->monitor) OfferPayloadToMonitor();
  finish_sent_ = true;
  ++pending_;
  if (mode_ == Mode::kUnary && status.ok()) {
    stream_.WriteAndFinish(response_, grpc::WriteOptions(), status, Tag(kServerFinish));
  } else {
    stream_.Finish(status, Tag(kServerFinish));
  }
}

void ProxyCall::FinishLocally(grpc::StatusCode code, const std::string& message) {
  if (mode_ == Mode::kAccepting) mode_ = Mode::kLocal;
  final_code_ = code;
  finish_sent_ = true;
  ++pending_;
  stream_.Finish(grpc::Status(code, message), Tag(kServerFinish));
}

void ProxyCall::OnServerFinish(bool ok) {
  if (route_ == nullptr) return;  // local replies (health, no route) are not route traffic
  int code = ok ? final_code_ : grpc::StatusCode::CANCELLED;
  if (code == grpc::StatusCode::CANCELLED && DeadlineExpired()) {
    code = grpc::StatusCode::DEADLINE_EXCEEDED;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  arm_->metrics->requests->Increment(code);
  arm_->metrics->duration->Observe(seconds);
  if (route_->monitor) {
    route_->monitor->RecordOutcome(worker_->index(), arm_index_, code, seconds, user_);
    if (user_.has_value()) route_->monitor->RecordUser(arm_index_, *user_);
  }
}

void ProxyCall::OfferPayloadToMonitor() {
  // Only unary calls carry one request and one response to decode; the monitor samples them
  // and decodes on its own thread. The copies share the buffers' slices (no byte copy).
  monitor::RouteMonitor& m = *route_->monitor;
  if (!m.payload_enabled() || worker_->rng().Uniform() >= m.sample_rate()) return;
  worker_->server()->monitors()->OfferPayload(route_->monitor, arm_index_, request_, response_);
}

bool ProxyCall::DeadlineExpired() const {
  // A client whose deadline expires resets the stream, which we see as a cancellation that can
  // arrive slightly before our copy of the deadline: ours was computed from grpc-timeout on
  // arrival (later than the client's clock) and the header is rounded up. So a cancellation
  // within 5% (at least 10 ms) of the deadline counts as the deadline.
  const auto deadline = server_ctx_.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return false;
  const auto remaining = deadline - std::chrono::system_clock::now();
  const auto total = remaining + (std::chrono::steady_clock::now() - start_);
  const auto slack = std::max<std::chrono::system_clock::duration>(
      std::chrono::milliseconds(10), total / 20);
  return remaining <= slack;
}

// --- grpc.health.v1 -------------------------------------------------------------------------

int ProxyCall::ServingStatus(const std::string& service) const {
  using grpc::health::v1::HealthCheckResponse;
  if (!service.empty() && service != "modelgate") return -1;
  return worker_->server()->serving() ? HealthCheckResponse::SERVING
                                      : HealthCheckResponse::NOT_SERVING;
}

void ProxyCall::HandleHealthRequest() {
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
    grpc::ByteBuffer out;
    bool own = false;
    grpc::SerializationTraits<grpc::health::v1::HealthCheckResponse>::Serialize(resp, &out, &own);
    final_code_ = grpc::StatusCode::OK;
    finish_sent_ = true;
    ++pending_;
    stream_.WriteAndFinish(out, grpc::WriteOptions(), grpc::Status::OK, Tag(kServerFinish));
    return;
  }
  worker_->AddWatcher(this);
  PushHealth();
}

void ProxyCall::PushHealth() {
  using grpc::health::v1::HealthCheckResponse;
  if (health_writing_ || finish_sent_ || done_) return;
  int status = ServingStatus(health_service_);
  if (status < 0) status = HealthCheckResponse::SERVICE_UNKNOWN;
  if (status == health_sent_) {
    // Everything is said: once the server stops, end the stream so draining need not wait.
    if (worker_->server()->stopping())
      FinishLocally(grpc::StatusCode::UNAVAILABLE, "modelgate: shutting down");
    return;
  }
  HealthCheckResponse resp;
  resp.set_status(static_cast<HealthCheckResponse::ServingStatus>(status));
  bool own = false;
  grpc::SerializationTraits<HealthCheckResponse>::Serialize(resp, &response_, &own);
  health_sent_ = status;
  health_writing_ = true;
  ++pending_;
  stream_.Write(response_, Tag(kServerWrite));
}

}  // namespace modelgate::proxy
