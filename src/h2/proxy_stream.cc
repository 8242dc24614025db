// A client stream, its upstream stream, and modelgate's own answers; see proxy_stream.h.
#include "h2/proxy_stream.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log_rate_limit.h"
#include "grpc/health/v1/health.pb.h"
#include "h2/grpc_timeout.h"
#include "h2/grpc_wire.h"
#include "h2/loop_env.h"
#include "h2/server_conn.h"
#include "h2/upstream.h"
#include "proxy/snapshot.h"
#include "telemetry/access_log.h"
#include "telemetry/metrics.h"

namespace modelgate::h2 {
namespace {

constexpr std::string_view kHealthCheck = "/grpc.health.v1.Health/Check";
constexpr std::string_view kHealthWatch = "/grpc.health.v1.Health/Watch";
constexpr std::string_view kFeedback = "/modelgate.feedback.v1.Feedback/RecordClicks";
constinit LogRateLimiter shed_log(1, std::chrono::seconds(1));

ssize_t ReadForClientCb(nghttp2_session* /*session*/, int32_t /*stream_id*/, uint8_t* buf,
                        size_t length, uint32_t* flags, nghttp2_data_source* source,
                        void* /*user*/) {
  return static_cast<ProxyStream*>(source->ptr)->ReadForClient(buf, length, flags);
}

}  // namespace

ProxyStream::ProxyStream(LoopEnv* env, ServerConn* conn, int32_t id)
    : env_(env),
      conn_(conn),
      id_(id),
      start_(std::chrono::steady_clock::now()),
      nva_(env->scratch_nva()) {}

ProxyStream::~ProxyStream() {
  env_->loop().CancelTimer(deadline_timer_);
  ResetUpstream(NGHTTP2_CANCEL);
  answer_leg_ = answered_ = nullptr;
  whole_.reset();  // cancels legs still running (their outcomes are recorded)
  if (mode_ == Mode::kHealthWatch) env_->RemoveWatcher(this);
  if (route_ != nullptr && !counted_) Count(MapCancellation(kCancelled));
  if (inflight_counted_) route_->inflight->Decrement();
  if (routed_admitted_) env_->RoutedCallEnded();
}

// --- the request ----------------------------------------------------------------------------

bool ProxyStream::OnRequestHeader(nghttp2_rcbuf* name, nghttp2_rcbuf* value) {
  if (headers_too_large_) return false;
  request_headers_.Add(name, value);
  if (request_headers_.bytes() > env_->settings().max_header_list_bytes) {
    headers_too_large_ = true;
    return false;
  }
  return true;
}

void ProxyStream::OnRequestHeadersDone(bool end_stream) {
  client_ended_ = end_stream;
  path_ = request_headers_.Get(":path").value_or("");
  if (headers_too_large_) {
    mode_ = Mode::kLocalUnary;
    Fail(kResourceExhausted,
         absl::StrCat("modelgate: request headers are larger than the limit (",
                      env_->settings().max_header_list_bytes, " bytes)"));
    return;
  }
  const std::string_view content_type = request_headers_.Get("content-type").value_or("");
  if (request_headers_.Get(":method").value_or("") != "POST" ||
      !content_type.starts_with("application/grpc")) {
    // Not a gRPC request: HTTP 415 (gRPC over HTTP/2), with a status gRPC clients can read.
    mode_ = Mode::kDone;
    response_started_ = response_ended_ = true;
    const std::string message = PercentEncode(absl::StrCat(
        "modelgate: not a gRPC request (", AV(request_headers_.Get(":method").value_or("?")), " ",
        AV(content_type.empty() ? "without content-type" : content_type),
        "); modelgate serves gRPC: POST with content-type application/grpc"));
    const nghttp2_nv nva[] = {StaticNv(":status", "415"),
                              StaticNv("content-type", "application/grpc"),
                              StaticNv("grpc-status", "13"), Nv("grpc-message", message)};
    nghttp2_submit_response(conn_->session(), id_, nva, 4, nullptr);
    conn_->WantFlush();
    return;
  }
  if (path_ == kHealthCheck || path_ == kHealthWatch) {
    local_ = path_ == kHealthCheck ? Local::kHealthCheck : Local::kHealthWatch;
    mode_ = Mode::kLocalUnary;
    if (client_ended_) AnswerLocalUnary();
    return;
  }
  if (path_ == kFeedback && env_->CurrentSnapshot()->feedback() != nullptr) {
    local_ = Local::kFeedback;
    mode_ = Mode::kLocalUnary;
    if (client_ended_) AnswerLocalUnary();
    return;
  }
  if (!env_->TryStartRoutedCall()) {
    env_->metrics().Overloaded()->Increment();
    MG_LOG_RATE_LIMITED(shed_log, kWarning,
                        "overloaded: shedding calls with RESOURCE_EXHAUSTED (more than "
                        "proxy.max_inflight_calls in progress; see "
                        "modelgate_overload_rejections_total)");
    mode_ = Mode::kLocalUnary;
    Fail(kResourceExhausted,
         "modelgate: overloaded: too many calls in progress (proxy.max_inflight_calls)");
    return;
  }
  routed_admitted_ = true;
  Route();
}

void ProxyStream::Route() {
  snapshot_ = env_->CurrentSnapshot();
  const routing::RequestInfo info{path_, &request_headers_};
  const int r = snapshot_->table().Match(info);
  if (r < 0) {
    env_->metrics().Unrouted()->Increment();
    mode_ = Mode::kLocalUnary;
    Fail(kUnimplemented, absl::StrCat("modelgate: no route for ", AV(path_)));
    return;
  }
  route_ = &snapshot_->route(r);
  plan_ = route_->route->strategy->Plan(info, env_->rng());
  if (plan_.diverted_from >= 0) route_->arms[plan_.diverted_from].diversions.Increment();
  route_->inflight->Increment();
  inflight_counted_ = true;
  arm_ = &route_->arms[plan_.primary];
  unary_ = snapshot_->IsUnary(path_);
  mode_ = NeedsWholeMessages() ? Mode::kWhole : Mode::kForward;

  if (auto t = request_headers_.Get("grpc-timeout")) {
    if (auto d = ParseGrpcTimeout(*t)) deadline_ = env_->loop().now() + *d;
  }
  if (const double cap = route_->route->timeout_seconds; cap > 0) {
    const absl::Time capped = env_->loop().now() + absl::Seconds(cap);
    if (capped < deadline_) {
      deadline_ = capped;
      deadline_is_clients_ = false;
    }
  }
  ArmDeadline();
  if (mode_ == Mode::kWhole) {
    if (client_ended_) StartWholePlan();
    return;
  }
  StartUpstream();
}

bool ProxyStream::NeedsWholeMessages() {
  // Multi-leg plans need whole messages, so they apply to methods known to be unary; a
  // streaming call runs its primary alone.
  if (!unary_) return false;
  if (!plan_.single_leg()) return true;
  // A single leg is forwarded frame by frame, unless the route's monitor samples this call's
  // messages.
  telemetry::OutcomeSink* sink = route_->sink.get();
  if (sink == nullptr) return false;
  telemetry::Outcome o;
  o.shard = env_->shard();
  o.arm = plan_.primary;
  o.role = arm_->spec->role;
  o.code = kOk;
  o.keyed = plan_.keyed;
  o.key_hash = plan_.key_hash;
  o.weight_epoch = route_->weight_epoch;
  payload_chosen_ = sink->WantsPayload(o, env_->rng());
  return payload_chosen_;
}

void ProxyStream::StartWholePlan() {
  if (request_scan_.messages() == 0) {
    Fail(kInternal, "modelgate: client half-closed a unary call without a request");
    return;
  }
  if (request_scan_.messages() > 1 || !request_scan_.at_boundary()) {
    Fail(kInternal, "modelgate: a unary call must carry exactly one request message");
    return;
  }
  auto request = std::make_shared<LegRequest>();
  request->path = std::string(path_);
  request->body.assign(reinterpret_cast<const char*>(to_upstream_.data()), to_upstream_.size());
  to_upstream_.Release();
  for (const HeaderList::Field& f : request_headers_.fields()) {
    const std::string_view n = f.n();
    if (n.empty() || n[0] == ':' || HopByHop(n) || n == "grpc-timeout") continue;
    request->headers.emplace_back(std::string(n), std::string(f.v()));
  }
  UnaryPlan::Call call;
  call.snapshot = snapshot_;
  call.route = route_;
  call.plan = plan_;
  call.request = std::move(request);
  call.deadline = deadline_;
  call.deadline_is_clients = deadline_is_clients_;
  call.request_id = std::string(request_headers_.Get("x-request-id").value_or(""));
  call.payload_chosen = payload_chosen_;
  whole_ = std::make_unique<UnaryPlan>(env_, this, std::move(call));
  whole_->Start();
}

void ProxyStream::CollectResponseHeaders(const HeaderList& headers) {
  nva_.clear();
  for (const HeaderList::Field& f : headers.fields()) {
    const std::string_view n = f.n();
    if (n.empty() || HopByHop(n) || (n[0] == ':' && n != ":status")) continue;
    nva_.push_back(Nv(n, f.v(), n[0] == ':' ? 0 : env_->client_index().Flags(n, f.v())));
  }
  if (route_->route->arm_header) nva_.push_back(Nv("x-modelgate-arm", arm_->spec->name));
}

void ProxyStream::RespondWithLeg(const UpstreamLeg& leg) {
  if (mode_ != Mode::kWhole) return;
  arm_ = &route_->arms[leg.arm()];
  answered_ = &leg;
  if (leg.local()) {
    Fail(leg.code(), leg.message());
    return;
  }
  env_->loop().CancelTimer(deadline_timer_);
  CollectResponseHeaders(leg.headers());
  response_started_ = true;
  if (leg.trailers().empty()) {
    // Trailers-only, as the backend sent it.
    response_ended_ = true;
    mode_ = Mode::kDone;
    nghttp2_submit_response(conn_->session(), id_, nva_.data(), nva_.size(), nullptr);
    Count(leg.code());
  } else {
    response_bytes_ = std::max<int64_t>(0, static_cast<int64_t>(leg.body().size()) - 5);
    to_client_.Append(reinterpret_cast<const uint8_t*>(leg.body().data()), leg.body().size());
    answer_leg_ = &leg;
    nghttp2_data_provider prd;
    prd.source.ptr = this;
    prd.read_callback = &ReadForClientCb;
    nghttp2_submit_response(conn_->session(), id_, nva_.data(), nva_.size(), &prd);
  }
  conn_->WantFlush();
}

void ProxyStream::RespondMerged(routing::MergeResult merged, const UpstreamLeg& metadata_leg) {
  if (mode_ != Mode::kWhole) return;
  env_->loop().CancelTimer(deadline_timer_);
  arm_ = &route_->arms[metadata_leg.arm()];
  answered_ = &metadata_leg;
  CollectResponseHeaders(metadata_leg.headers());
  for (const auto& [key, value] : merged.metadata) nva_.push_back(Nv(key, value));
  const std::string body = Frame(std::string(merged.response));
  response_bytes_ = static_cast<int64_t>(merged.response.size());
  to_client_.Append(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  answer_leg_ = &metadata_leg;
  answer_merged_ = true;
  response_started_ = true;
  nghttp2_data_provider prd;
  prd.source.ptr = this;
  prd.read_callback = &ReadForClientCb;
  nghttp2_submit_response(conn_->session(), id_, nva_.data(), nva_.size(), &prd);
  conn_->WantFlush();
}

void ProxyStream::ArmDeadline() {
  if (deadline_ == absl::InfiniteFuture()) return;
  deadline_timer_ = env_->loop().AddTimer(deadline_, [this] {
    deadline_timer_ = 0;
    OnDeadline();
  });
}

void ProxyStream::OnDeadline() {
  if (mode_ == Mode::kWhole && whole_ == nullptr) {
    Fail(kDeadlineExceeded, "Deadline Exceeded");  // still gathering the request
    return;
  }
  if (mode_ != Mode::kForward) return;  // a whole plan's legs keep the deadline themselves
  // The route's timeout (not the client's deadline) passing is the backend's error: it was too
  // slow for what the route allows.
  if (!deadline_is_clients_) {
    arm_->backend->metrics->upstream_errors->Increment(kDeadlineExceeded);
  }
  Fail(kDeadlineExceeded, "Deadline Exceeded");
}

void ProxyStream::StartUpstream() {
  const proxy::BackendRuntime& backend = *arm_->backend;
  const std::shared_ptr<const proxy::Resolution> resolution = backend.Resolved();
  if (resolution->target == nullptr) {
    Fail(kUnavailable, absl::StrCat("modelgate: backend \"", backend.name, "\" (",
                                    backend.address, ") unavailable: ", resolution->error));
    return;
  }
  const h2::ResolvedTarget& target = *resolution->target;
  std::string error;
  UpstreamConn* up = env_->upstreams().Pick(target, &error);
  if (up == nullptr) {
    backend.metrics->upstream_errors->Increment(kUnavailable);
    Fail(kUnavailable, absl::StrCat("modelgate: backend \"", backend.name, "\" (",
                                    backend.address, ") unavailable: ", error));
    return;
  }
  nva_.clear();
  nva_.push_back(StaticNv(":method", "POST"));
  nva_.push_back(StaticNv(":scheme", "http"));
  nva_.push_back(Nv(":path", path_));
  nva_.push_back(Nv(":authority", target.authority));
  nva_.push_back(StaticNv("te", "trailers"));
  for (const HeaderList::Field& f : request_headers_.fields()) {
    const std::string_view n = f.n();
    if (n.empty() || n[0] == ':' || HopByHop(n) || n == "grpc-timeout") continue;
    nva_.push_back(Nv(n, f.v(), env_->upstream_index().Flags(n, f.v())));
  }
  std::string timeout;
  if (deadline_ != absl::InfiniteFuture()) {
    timeout = FormatGrpcTimeout(deadline_ - absl::Now());
    nva_.push_back(TimeoutNv(timeout));
  }
  const int32_t sid = up->Submit(this, nva_.data(), nva_.size());
  if (sid < 0) {
    Fail(kInternal, absl::StrCat("modelgate: cannot start the upstream stream: ",
                                 nghttp2_strerror(sid)));
    return;
  }
  upstream_ = up;
  upstream_id_ = sid;
  upstream_data_deferred_ = false;
}

void ProxyStream::OnClientData(const uint8_t* data, size_t len) {
  request_bytes_ += static_cast<int64_t>(len);
  nghttp2_session* cs = conn_->session();
  switch (mode_) {
    case Mode::kForward: {
      const int64_t limit = env_->settings().max_message_bytes;
      if (const int64_t big = request_scan_.Feed(data, len, limit); big >= 0) {
        nghttp2_session_consume(cs, id_, len);
        Fail(kResourceExhausted,
             absl::StrCat("modelgate: request message of ", big,
                          " bytes is larger than proxy.max_message_bytes (", limit, ")"));
        return;
      }
      to_upstream_.Append(data, len);
      ResumeUpstreamData();
      return;
    }
    case Mode::kWhole: {
      // Gathered whole, bounded by the message limit: the credit goes straight back.
      nghttp2_session_consume(cs, id_, len);
      conn_->WantFlush();
      if (whole_ != nullptr) return;  // bytes after the one message: the plan has it
      const int64_t limit = env_->settings().max_message_bytes;
      if (const int64_t big = request_scan_.Feed(data, len, limit); big >= 0) {
        Fail(kResourceExhausted,
             absl::StrCat("modelgate: request message of ", big,
                          " bytes is larger than proxy.max_message_bytes (", limit, ")"));
        return;
      }
      if (static_cast<int64_t>(to_upstream_.size() + len) > limit + 5) {
        Fail(kInternal, "modelgate: a unary call must carry exactly one request message");
        return;
      }
      to_upstream_.Append(data, len);
      return;
    }
    case Mode::kLocalUnary:
      // modelgate's own methods take small requests: bounded by the message limit.
      nghttp2_session_consume(cs, id_, len);
      if (static_cast<int64_t>(to_upstream_.size() + len) > env_->settings().max_message_bytes + 5) {
        Fail(kResourceExhausted, "modelgate: request larger than proxy.max_message_bytes");
        return;
      }
      if (local_ != Local::kNone) to_upstream_.Append(data, len);
      conn_->WantFlush();
      return;
    default:
      nghttp2_session_consume(cs, id_, len);
      conn_->WantFlush();
      return;
  }
}

void ProxyStream::OnClientEnd() {
  client_ended_ = true;
  if (mode_ == Mode::kLocalUnary && local_ != Local::kNone) {
    AnswerLocalUnary();
  } else if (mode_ == Mode::kForward) {
    ResumeUpstreamData();
  } else if (mode_ == Mode::kWhole && whole_ == nullptr) {
    StartWholePlan();
  }
}

ssize_t ProxyStream::ReadForUpstream(uint8_t* buf, size_t len, uint32_t* flags) {
  if (to_upstream_.empty()) {
    if (client_ended_) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    upstream_data_deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  const size_t n = to_upstream_.Take(buf, len);
  handed_on_ += n;
  // Until the backend answers, a copy of what was handed on (bounded) lets a refused stream
  // be replayed on a fresh connection.
  if (replay_ok_) {
    if (replay_.size() + n > kReplayBytes) {
      replay_ok_ = false;
      std::string().swap(replay_);
    } else {
      replay_.append(reinterpret_cast<const char*>(buf), n);
    }
  }
  // The bytes are the upstream session's now: the client may send as many more.
  nghttp2_session_consume(conn_->session(), id_, n);
  conn_->WantFlush();
  if (to_upstream_.empty() && client_ended_) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

void ProxyStream::ResumeUpstreamData() {
  if (upstream_ == nullptr || !upstream_data_deferred_) return;
  upstream_data_deferred_ = false;
  nghttp2_session_resume_data(upstream_->session(), upstream_id_);
  upstream_->WantFlush();
}

// --- the response ---------------------------------------------------------------------------

void ProxyStream::OnUpstreamHeader(nghttp2_rcbuf* name, nghttp2_rcbuf* value) {
  if (mode_ != Mode::kForward) return;
  (upstream_headers_seen_ ? trailers_ : response_headers_).Add(name, value);
}

void ProxyStream::OnUpstreamHeadersDone(bool end_stream) {
  if (mode_ != Mode::kForward) return;
  if (upstream_headers_seen_) {  // trailers (always END_STREAM)
    upstream_ended_ = true;
    ResumeClientData();
    return;
  }
  upstream_headers_seen_ = true;
  replay_ok_ = false;  // the backend is processing the stream: no replay from here on
  std::string().swap(replay_);
  CollectResponseHeaders(response_headers_);
  response_started_ = true;
  if (end_stream) {
    // Trailers-only: one HEADERS frame carries the status.
    upstream_ended_ = true;
    response_ended_ = true;
    nghttp2_submit_response(conn_->session(), id_, nva_.data(), nva_.size(), nullptr);
    CountBackendAnswer();
    mode_ = Mode::kDone;
  } else {
    nghttp2_data_provider prd;
    prd.source.ptr = this;
    prd.read_callback = &ReadForClientCb;
    nghttp2_submit_response(conn_->session(), id_, nva_.data(), nva_.size(), &prd);
  }
  conn_->WantFlush();
}

void ProxyStream::OnUpstreamData(const uint8_t* data, size_t len) {
  if (mode_ != Mode::kForward) {
    if (upstream_ != nullptr) nghttp2_session_consume(upstream_->session(), upstream_id_, len);
    return;
  }
  const int64_t limit = env_->settings().max_message_bytes;
  if (const int64_t big = response_scan_.Feed(data, len, limit); big >= 0) {
    nghttp2_session_consume(upstream_->session(), upstream_id_, len);
    Fail(kResourceExhausted,
         absl::StrCat("modelgate: response message of ", big,
                      " bytes is larger than proxy.max_message_bytes (", limit, ")"));
    return;
  }
  response_bytes_ += static_cast<int64_t>(len);
  to_client_.Append(data, len);
  ResumeClientData();
}

void ProxyStream::OnUpstreamEnd() {
  if (mode_ != Mode::kForward) return;
  upstream_ended_ = true;  // DATA with END_STREAM: the trailers never came
  ResumeClientData();
}

ssize_t ProxyStream::ReadForClient(uint8_t* buf, size_t len, uint32_t* flags) {
  if (!to_client_.empty()) {
    const size_t n = to_client_.Take(buf, len);
    if (upstream_ != nullptr) {
      nghttp2_session_consume(upstream_->session(), upstream_id_, n);
      upstream_->WantFlush();
    }
    return static_cast<ssize_t>(n);
  }
  if (final_pending_) {
    final_pending_ = false;
    SubmitTrailers(final_code_, final_message_);
    *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    return 0;
  }
  if (answer_leg_ != nullptr) {
    // A whole plan's answer: the message went out, the answering leg's trailers follow (for a
    // merge: OK, with the leg's own fields but not its gRPC status).
    const UpstreamLeg& leg = *answer_leg_;
    answer_leg_ = nullptr;
    response_ended_ = true;
    mode_ = Mode::kDone;
    nva_.clear();
    for (const HeaderList::Field& f : leg.trailers().fields()) {
      const std::string_view n = f.n();
      if (n.empty() || n[0] == ':' || HopByHop(n)) continue;
      if (answer_merged_ && n.starts_with("grpc-")) continue;
      nva_.push_back(Nv(n, f.v(), env_->client_index().Flags(n, f.v())));
    }
    if (answer_merged_) nva_.push_back(StaticNv("grpc-status", "0"));
    nghttp2_submit_trailer(conn_->session(), id_, nva_.data(), nva_.size());
    Count(answer_merged_ ? kOk : leg.code());
    *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    return 0;
  }
  if (mode_ == Mode::kForward && upstream_ended_) {
    response_ended_ = true;
    mode_ = Mode::kDone;
    env_->loop().CancelTimer(deadline_timer_);
    if (trailers_.empty()) {
      SubmitTrailers(kInternal, "modelgate: the backend ended the stream without a status");
    } else {
      nva_.clear();
      for (const HeaderList::Field& f : trailers_.fields()) {
        const std::string_view n = f.n();
        if (n.empty() || n[0] == ':' || HopByHop(n)) continue;
        nva_.push_back(Nv(n, f.v(), env_->client_index().Flags(n, f.v())));
      }
      nghttp2_submit_trailer(conn_->session(), id_, nva_.data(), nva_.size());
      CountBackendAnswer();
    }
    *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    return 0;
  }
  client_data_deferred_ = true;
  return NGHTTP2_ERR_DEFERRED;
}

void ProxyStream::ResumeClientData() {
  if (client_data_deferred_) {
    client_data_deferred_ = false;
    nghttp2_session_resume_data(conn_->session(), id_);
  }
  conn_->WantFlush();
}

int ProxyStream::UpstreamStatus() const {
  const HeaderList& h = trailers_.empty() ? response_headers_ : trailers_;
  int code;
  if (auto s = h.Get("grpc-status"); s && absl::SimpleAtoi(AV(*s), &code)) return code;
  int http = 0;
  if (auto s = response_headers_.Get(":status")) (void)absl::SimpleAtoi(AV(*s), &http);
  return CodeForHttpStatus(http);
}

void ProxyStream::SubmitTrailers(int code, const std::string& message) {
  response_ended_ = true;
  const std::string code_text = absl::StrCat(code);
  const std::string encoded = PercentEncode(message);
  const nghttp2_nv nva[] = {Nv("grpc-status", code_text), Nv("grpc-message", encoded)};
  nghttp2_submit_trailer(conn_->session(), id_, nva, message.empty() ? 1 : 2);
  if (local_ == Local::kNone) Count(code);
}

void ProxyStream::OnResponseEndSent() {}

void ProxyStream::CountBackendAnswer() {
  // The backend answered (whatever the status): it is reachable.
  std::atomic<int>& failures = arm_->spec->health->consecutive_failures;
  if (failures.load(std::memory_order_relaxed) != 0) failures.store(0, std::memory_order_relaxed);
  const int code = UpstreamStatus();
  // Its own non-OK status is its error (UNIMPLEMENTED included), except the client's own
  // deadline passing (the backend enforces the grpc-timeout we forwarded, and may say so first).
  if (code != kOk && !(deadline_is_clients_ && code == kDeadlineExceeded)) {
    arm_->backend->metrics->upstream_errors->Increment(code);
  }
  Count(code);
}

// --- failures and the end -------------------------------------------------------------------

void ProxyStream::Fail(int code, std::string message) {
  if (response_ended_ || final_pending_) return;
  env_->loop().CancelTimer(deadline_timer_);
  ResetUpstream(NGHTTP2_CANCEL);
  final_message_ = message;
  final_code_ = code;
  if (mode_ == Mode::kHealthWatch) env_->RemoveWatcher(this);
  mode_ = Mode::kDone;
  if (!response_started_) {
    response_started_ = response_ended_ = true;
    const std::string code_text = absl::StrCat(code);
    const std::string encoded = PercentEncode(message);
    const nghttp2_nv nva[] = {StaticNv(":status", "200"),
                              StaticNv("content-type", "application/grpc"),
                              Nv("grpc-status", code_text), Nv("grpc-message", encoded)};
    nghttp2_submit_response(conn_->session(), id_, nva, 4, nullptr);
    Count(code);
  } else {
    // Headers (and perhaps messages) went out: what was not sent is dropped, the status follows.
    to_client_.Clear();
    final_pending_ = true;
    ResumeClientData();
  }
  conn_->WantFlush();
}

void ProxyStream::ResetUpstream(uint32_t error_code) {
  if (upstream_ == nullptr) return;
  if (!upstream_->closed()) {
    nghttp2_submit_rst_stream(upstream_->session(), NGHTTP2_FLAG_NONE, upstream_id_, error_code);
    upstream_->WantFlush();
  }
  DetachUpstream();
}

void ProxyStream::DetachUpstream() {
  if (upstream_ == nullptr) return;
  upstream_->Detach(upstream_id_);
  upstream_ = nullptr;
  upstream_id_ = -1;
}

void ProxyStream::OnUpstreamClosed(uint32_t error_code, bool refused, const char* why) {
  UpstreamConn* conn = upstream_;
  upstream_ = nullptr;
  upstream_id_ = -1;
  if (mode_ != Mode::kForward) return;
  if (upstream_ended_) {
    // Closed normally; the connection's credit for what the client has yet to take goes back
    // now (the stream's own window no longer matters).
    if (conn != nullptr && !to_client_.empty() && !conn->closed()) {
      nghttp2_session_consume_connection(conn->session(), to_client_.size());
      conn->WantFlush();
    }
    return;
  }
  const proxy::BackendRuntime& backend = *arm_->backend;
  // A stream the backend never processed (REFUSED_STREAM, above a GOAWAY's last stream id, a
  // connection that never came up) is tried once more on a fresh connection with what it had
  // handed on replayed; a connection lost under it is retried only if it had sent no byte (the
  // backend may have acted on the rest).
  if (!upstream_headers_seen_ && !upstream_retried_ &&
      ((refused && replay_ok_) || (why != nullptr && handed_on_ == 0))) {
    upstream_retried_ = true;
    if (!replay_.empty()) {
      std::string rest(reinterpret_cast<const char*>(to_upstream_.data()), to_upstream_.size());
      to_upstream_.Clear();
      to_upstream_.Append(reinterpret_cast<const uint8_t*>(replay_.data()), replay_.size());
      to_upstream_.Append(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
      std::string().swap(replay_);
    }
    handed_on_ = 0;
    replay_ok_ = false;
    StartUpstream();
    return;
  }
  int code = CodeForReset(error_code);
  std::string message;
  if (why != nullptr || refused) {
    code = kUnavailable;
    message = absl::StrCat("modelgate: backend \"", backend.name, "\" (", backend.address,
                           ") unavailable: ", why != nullptr ? why : "stream refused");
    arm_->spec->health->consecutive_failures.fetch_add(1, std::memory_order_relaxed);
  } else {
    message = absl::StrCat("modelgate: backend \"", backend.name, "\" reset the stream (",
                           nghttp2_http2_strerror(error_code), ")");
  }
  backend.metrics->upstream_errors->Increment(code);
  Fail(code, std::move(message));
}

void ProxyStream::OnClientClosed(uint32_t /*error_code*/) {
  env_->loop().CancelTimer(deadline_timer_);
  ResetUpstream(NGHTTP2_CANCEL);
  if (mode_ == Mode::kHealthWatch) env_->RemoveWatcher(this);
  mode_ = Mode::kDone;
}

int ProxyStream::MapCancellation(int code) const {
  if (code != kCancelled || deadline_ == absl::InfiniteFuture()) return code;
  // A client whose deadline expires resets the stream, slightly before our copy of the deadline
  // (ours was computed on arrival, and grpc-timeout is rounded up): within 5% (at least 10 ms)
  // of it, the cancellation counts as the deadline.
  const absl::Duration elapsed = absl::FromChrono(std::chrono::steady_clock::now() - start_);
  const absl::Duration remaining = deadline_ - absl::Now();
  const absl::Duration slack = std::max(absl::Milliseconds(10), (remaining + elapsed) / 20);
  return remaining <= slack ? kDeadlineExceeded : code;
}

void ProxyStream::Count(int code) {
  if (counted_) return;
  counted_ = true;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (route_ != nullptr) {
    arm_->metrics->requests->Increment(code);
    arm_->metrics->duration->Observe(seconds);
    // A whole plan's legs record their own outcomes.
    telemetry::OutcomeSink* sink = whole_ == nullptr ? route_->sink.get() : nullptr;
    if (sink != nullptr) {
      telemetry::Outcome o;
      o.shard = env_->shard();
      o.arm = plan_.primary;
      o.role = arm_->spec->role;
      o.code = code;
      o.latency_seconds = seconds;
      o.keyed = plan_.keyed;
      o.key_hash = plan_.key_hash;
      o.weight_epoch = route_->weight_epoch;
      sink->Record(o);
    }
  }
  LogCall(code, seconds);
}

void ProxyStream::LogCall(int code, double seconds) {
  if (local_ != Local::kNone) return;  // health checks and feedback are not model traffic
  const std::shared_ptr<const proxy::Snapshot>& snapshot =
      snapshot_ != nullptr ? snapshot_ : env_->CurrentSnapshot();
  telemetry::AccessLog* log = snapshot->access_log();
  if (log == nullptr) return;
  telemetry::AccessLogEntry e;
  e.time = absl::Now();
  e.method = std::string(path_);
  e.code = code;
  e.latency_ms = seconds * 1e3;
  e.request_id = std::string(request_headers_.Get("x-request-id").value_or(""));
  // Message bytes, as a gRPC client counts them: the DATA less each message's 5-byte prefix.
  e.request_bytes = std::max<int64_t>(0, request_bytes_ - 5 * request_scan_.messages());
  e.response_bytes = std::max<int64_t>(0, response_bytes_ - 5 * response_scan_.messages());
  if (code != kOk) {
    if (!final_message_.empty()) {
      e.message = final_message_;
    } else {
      // The backend's message, from its trailers or a trailers-only answer.
      const HeaderList& t = answered_ != nullptr ? answered_->trailers() : trailers_;
      const HeaderList& h = answered_ != nullptr ? answered_->headers() : response_headers_;
      if (auto m = (t.empty() ? h : t).Get("grpc-message")) e.message = PercentDecode(*m);
    }
  }
  if (e.message.size() > telemetry::kAccessLogMaxMessageBytes) {
    e.message.resize(telemetry::kAccessLogMaxMessageBytes);
  }
  if (route_ != nullptr) {
    e.route = route_->route->name;
    e.arm = arm_->spec->name;
    // What became of the plan's shadow copies and merge: only unary methods have them.
    for (const proxy::ArmRuntime& a : route_->arms) {
      if (a.spec->role == routing::ArmRole::kShadow) {
        e.shadow = whole_ != nullptr       ? whole_->ShadowOutcome()
                   : !unary_               ? "streaming"
                   : plan_.shadows.empty() ? "sampled_out"
                                           : "not_sent";
        break;
      }
    }
    if (route_->merger != nullptr) {
      e.interleave = whole_ != nullptr     ? whole_->InterleaveOutcome()
                     : !unary_             ? "streaming"
                     : plan_.merge.empty() ? "not_merged"
                                           : "not_sent";
    }
  }
  log->Record(env_->shard(), std::move(e));
}

// --- modelgate's own methods ----------------------------------------------------------------

void ProxyStream::SendResponse(std::string body, bool end) {
  to_client_.Append(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  if (end) {
    final_pending_ = true;
    final_code_ = kOk;
    final_message_.clear();
  }
  if (!response_started_) {
    response_started_ = true;
    const nghttp2_nv nva[] = {StaticNv(":status", "200"),
                              StaticNv("content-type", "application/grpc")};
    nghttp2_data_provider prd;
    prd.source.ptr = this;
    prd.read_callback = &ReadForClientCb;
    nghttp2_submit_response(conn_->session(), id_, nva, 2, &prd);
    conn_->WantFlush();
  } else {
    ResumeClientData();
  }
}

void ProxyStream::AnswerLocalUnary() {
  if (mode_ != Mode::kLocalUnary) return;
  std::string message;
  std::string_view framed;
  bool compressed = false;
  if (!Unframe(std::string_view(reinterpret_cast<const char*>(to_upstream_.data()),
                                to_upstream_.size()),
               &framed, &compressed) ||
      compressed) {
    Fail(local_ == Local::kFeedback ? kInvalidArgument : kInternal,
         local_ == Local::kFeedback ? "modelgate: missing RecordClicksRequest"
                                    : "modelgate: missing health check request");
    return;
  }
  message.assign(framed);
  to_upstream_.Release();
  if (local_ == Local::kFeedback) {
    absl::StatusOr<std::string> response =
        env_->CurrentSnapshot()->feedback()->RecordClicks(absl::Cord(message));
    if (!response.ok()) {
      Fail(static_cast<int>(response.status().code()),
           absl::StrCat("modelgate: ", response.status().message()));
      return;
    }
    mode_ = Mode::kDone;
    SendResponse(Frame(*response), true);
    return;
  }
  grpc::health::v1::HealthCheckRequest req;
  if (!req.ParseFromString(message)) {
    Fail(kInvalidArgument, "modelgate: malformed HealthCheckRequest");
    return;
  }
  health_service_ = req.service();
  const bool known = health_service_.empty() || health_service_ == "modelgate";
  if (local_ == Local::kHealthCheck) {
    if (!known) {
      Fail(kNotFound, absl::StrCat("modelgate: unknown health service \"", health_service_, "\""));
      return;
    }
    grpc::health::v1::HealthCheckResponse resp;
    resp.set_status(env_->serving() ? grpc::health::v1::HealthCheckResponse::SERVING
                                    : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    mode_ = Mode::kDone;
    SendResponse(Frame(resp.SerializeAsString()), true);
    return;
  }
  mode_ = Mode::kHealthWatch;
  env_->AddWatcher(this);
  PushHealth();
}

void ProxyStream::PushHealth() {
  using grpc::health::v1::HealthCheckResponse;
  if (mode_ != Mode::kHealthWatch) return;
  const bool known = health_service_.empty() || health_service_ == "modelgate";
  const int status = !known ? HealthCheckResponse::SERVICE_UNKNOWN
                     : env_->serving() ? HealthCheckResponse::SERVING
                                       : HealthCheckResponse::NOT_SERVING;
  if (status != health_sent_) {
    health_sent_ = status;
    HealthCheckResponse resp;
    resp.set_status(static_cast<HealthCheckResponse::ServingStatus>(status));
    SendResponse(Frame(resp.SerializeAsString()), false);
  }
  if (env_->stopping()) {
    // Everything is said: end the stream so draining need not wait for it.
    env_->RemoveWatcher(this);
    if (!response_started_) {
      Fail(kUnavailable, "modelgate: shutting down");
      return;
    }
    mode_ = Mode::kDone;
    final_pending_ = true;
    final_code_ = kUnavailable;
    final_message_ = "modelgate: shutting down";
    ResumeClientData();
  }
}

}  // namespace modelgate::h2
