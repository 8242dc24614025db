// A unary upstream call with a whole request, and how it ended; see upstream_leg.h.
#include "h2/upstream_leg.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "h2/grpc_timeout.h"
#include "h2/grpc_wire.h"
#include "h2/loop_env.h"
#include "h2/upstream.h"
#include "proxy/snapshot.h"
#include "telemetry/metrics.h"

namespace modelgate::h2 {

UpstreamLeg::UpstreamLeg(LoopEnv* env, Owner* owner, int id, int arm,
                         const proxy::ArmRuntime* runtime)
    : env_(env), owner_(owner), id_(id), arm_(arm), runtime_(runtime) {}

UpstreamLeg::~UpstreamLeg() {
  env_->loop().CancelTimer(timer_);
  Reset();
}

void UpstreamLeg::Start(std::shared_ptr<const LegRequest> request, absl::Time deadline,
                        bool deadline_is_clients, const char* marker) {
  request_ = std::move(request);
  deadline_ = deadline;
  deadline_is_clients_ = deadline_is_clients;
  marker_ = marker;
  start_ = std::chrono::steady_clock::now();
  if (deadline_ != absl::InfiniteFuture()) {
    timer_ = env_->loop().AddTimer(deadline_, [this] {
      timer_ = 0;
      if (ended_) return;
      Reset();
      EndLocally(kDeadlineExceeded, "Deadline Exceeded");
    });
  }
  Submit();
}

bool UpstreamLeg::Submit() {
  const proxy::BackendRuntime& backend = *runtime_->backend;
  std::string error;
  UpstreamConn* up = nullptr;
  const std::shared_ptr<const proxy::Resolution> resolution = backend.Resolved();
  if (resolution->target == nullptr) {
    error = resolution->error;
  } else {
    up = env_->upstreams().Pick(*resolution->target, &error);
  }
  if (up == nullptr) {
    runtime_->spec->health->consecutive_failures.fetch_add(1, std::memory_order_relaxed);
    EndLocallySoon(kUnavailable, absl::StrCat("modelgate: backend \"", backend.name, "\" (",
                                              backend.address, ") unavailable: ", error));
    return false;
  }
  std::vector<nghttp2_nv> nva;
  nva.reserve(request_->headers.size() + 8);
  nva.push_back(StaticNv(":method", "POST"));
  nva.push_back(StaticNv(":scheme", "http"));
  nva.push_back(Nv(":path", request_->path));
  nva.push_back(Nv(":authority", resolution->target->authority));
  nva.push_back(StaticNv("te", "trailers"));
  for (const auto& [name, value] : request_->headers) {
    nva.push_back(Nv(name, value, env_->upstream_index().Flags(name, value)));
  }
  if (marker_ != nullptr) nva.push_back(Nv(marker_, "1"));
  std::string timeout;
  if (deadline_ != absl::InfiniteFuture()) {
    timeout = FormatGrpcTimeout(deadline_ - absl::Now());
    nva.push_back(TimeoutNv(timeout));
  }
  sent_ = 0;
  const int32_t sid = up->Submit(this, nva.data(), nva.size());
  if (sid < 0) {
    EndLocallySoon(kInternal, absl::StrCat("modelgate: cannot start the upstream stream: ",
                                           nghttp2_strerror(sid)));
    return false;
  }
  upstream_ = up;
  upstream_id_ = sid;
  return true;
}

void UpstreamLeg::Reset() {
  if (upstream_ == nullptr) return;
  if (!upstream_->closed()) {
    nghttp2_submit_rst_stream(upstream_->session(), NGHTTP2_FLAG_NONE, upstream_id_,
                              NGHTTP2_CANCEL);
    upstream_->WantFlush();
  }
  upstream_->Detach(upstream_id_);
  upstream_ = nullptr;
  upstream_id_ = -1;
}

void UpstreamLeg::Cancel() {
  if (ended_) return;
  cancelled_ = true;
  Reset();
  EndLocally(kCancelled, "modelgate: cancelled");
}

ssize_t UpstreamLeg::ReadForUpstream(uint8_t* buf, size_t len, uint32_t* flags) {
  const std::string& body = request_->body;
  const size_t n = std::min(len, body.size() - sent_);
  std::memcpy(buf, body.data() + sent_, n);
  sent_ += n;
  if (sent_ == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

void UpstreamLeg::OnUpstreamHeader(nghttp2_rcbuf* name, nghttp2_rcbuf* value) {
  HeaderList& h = headers_seen_ ? trailers_ : headers_;
  // Bounded like a client's request headers: a backend flooding fields fails its own leg.
  if (h.bytes() <= env_->settings().max_header_list_bytes * 4) h.Add(name, value);
}

void UpstreamLeg::OnUpstreamHeadersDone(bool end_stream) {
  if (ended_) return;
  if (!headers_seen_) {
    headers_seen_ = true;
    if (end_stream) EndAnswered();  // trailers-only
    return;
  }
  EndAnswered();  // trailers
}

void UpstreamLeg::OnUpstreamData(const uint8_t* data, size_t len) {
  if (upstream_ != nullptr) {
    // Whole answers are gathered here, bounded below: the credit goes straight back.
    nghttp2_session_consume(upstream_->session(), upstream_id_, len);
    upstream_->WantFlush();
  }
  if (ended_) return;
  const int64_t limit = env_->settings().max_message_bytes;
  const int64_t big = scan_.Feed(data, len, limit);
  if (big >= 0 || static_cast<int64_t>(body_.size() + len) > limit + 5) {
    Reset();
    EndLocally(kResourceExhausted,
               absl::StrCat("modelgate: response message of ",
                            big >= 0 ? big : static_cast<int64_t>(body_.size() + len) - 5,
                            " bytes is larger than proxy.max_message_bytes (", limit, ")"));
    return;
  }
  body_.append(reinterpret_cast<const char*>(data), len);
}

void UpstreamLeg::OnUpstreamEnd() {
  if (ended_) return;
  // DATA with END_STREAM: the trailers never came.
  Reset();
  EndLocally(kInternal, "modelgate: the backend ended the stream without a status");
}

void UpstreamLeg::OnUpstreamClosed(uint32_t error_code, bool refused, const char* why) {
  upstream_ = nullptr;
  upstream_id_ = -1;
  if (ended_) return;
  const proxy::BackendRuntime& backend = *runtime_->backend;
  // A stream the backend never processed is tried once more on a fresh connection; one lost
  // with its connection only if none of the request went out (the backend may have acted on it).
  if ((refused || (why != nullptr && sent_ == 0)) && !headers_seen_ && !retried_) {
    retried_ = true;
    headers_.Clear();
    if (Submit()) return;
    return;  // ends (soon) with the reason it could not
  }
  if (why != nullptr || refused) {
    runtime_->spec->health->consecutive_failures.fetch_add(1, std::memory_order_relaxed);
    EndLocally(kUnavailable, absl::StrCat("modelgate: backend \"", backend.name, "\" (",
                                          backend.address, ") unavailable: ",
                                          why != nullptr ? why : "stream refused"));
    return;
  }
  EndLocally(CodeForReset(error_code),
             absl::StrCat("modelgate: backend \"", backend.name, "\" reset the stream (",
                          nghttp2_http2_strerror(error_code), ")"));
}

void UpstreamLeg::EndAnswered() {
  const HeaderList& h = trailers_.empty() ? headers_ : trailers_;
  int code;
  if (auto s = h.Get("grpc-status"); !s || !absl::SimpleAtoi(AV(*s), &code)) {
    int http = 0;
    if (auto st = headers_.Get(":status")) (void)absl::SimpleAtoi(AV(*st), &http);
    code = CodeForHttpStatus(http);
  }
  // The backend answered (whatever the status): it is reachable.
  std::atomic<int>& failures = runtime_->spec->health->consecutive_failures;
  if (failures.load(std::memory_order_relaxed) != 0) failures.store(0, std::memory_order_relaxed);
  code_ = code;
  local_ = false;
  if (request_ != nullptr && sent_ < request_->body.size()) {
    Reset();  // answered before taking the whole request: stop sending it
  } else if (upstream_ != nullptr) {
    upstream_->Detach(upstream_id_);
    upstream_ = nullptr;
    upstream_id_ = -1;
  }
  End();
}

void UpstreamLeg::EndLocally(int code, std::string message) {
  code_ = code;
  message_ = std::move(message);
  local_ = true;
  body_.clear();
  End();
}

void UpstreamLeg::EndLocallySoon(int code, std::string message) {
  code_ = code;
  message_ = std::move(message);
  local_ = true;
  ended_ = true;  // nothing else may end it meanwhile
  env_->loop().CancelTimer(timer_);
  timer_ = env_->loop().AddTimer(env_->loop().now(), [this] {
    timer_ = 0;
    ended_ = false;
    End();
  });
}

void UpstreamLeg::End() {
  if (ended_) return;
  ended_ = true;
  env_->loop().CancelTimer(timer_);
  timer_ = 0;
  latency_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // The backend's error, as on every path: not a cancellation we made, nor the client's own
  // deadline passing.
  const bool counted = code_ != kOk && !(cancelled_ && code_ == kCancelled) &&
                       !(deadline_is_clients_ && code_ == kDeadlineExceeded);
  if (counted) runtime_->backend->metrics->upstream_errors->Increment(code_);
  owner_->OnLegEnded(this);  // last: the owner may destroy this leg
}

}  // namespace modelgate::h2
