// One client stream and, when it is forwarded, the one upstream stream it maps to. Frames are
// forwarded as they come — headers, DATA, trailers, resets — so every call shape (unary, client-,
// server- and bidi-streaming) takes this one path. Flow control is end to end: the client gets
// window credit back only when its bytes were handed to the upstream session (and the other way
// round), so what a stream buffers is bounded by the windows whatever the peers' speeds.
//
// The stream also answers what modelgate answers itself: grpc.health.v1 Check and Watch, click
// feedback, UNIMPLEMENTED for unrouted methods, RESOURCE_EXHAUSTED over the in-flight cap, the
// header limit or the message limit, UNAVAILABLE naming the backend, and DEADLINE_EXCEEDED when
// the call's deadline (grpc-timeout, capped by the route's timeout) passes.
//
// Owned by its ServerConn; thread-compatible (one event loop).
#pragma once

#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "h2/byte_queue.h"
#include "h2/event_loop.h"
#include "h2/header_list.h"
#include "h2/message_scanner.h"
#include "h2/unary_plan.h"
#include "h2/upstream_stream.h"
#include "routing/plan.h"

namespace modelgate::proxy {
class Snapshot;
struct RouteRuntime;
struct ArmRuntime;
}  // namespace modelgate::proxy

namespace modelgate::h2 {

class LoopEnv;
class ServerConn;
class UpstreamConn;

class ProxyStream final : public UpstreamStream, public UnaryPlan::Responder {
 public:
  ProxyStream(LoopEnv* env, ServerConn* conn, int32_t id);
  ~ProxyStream() override;
  ProxyStream(const ProxyStream&) = delete;
  ProxyStream& operator=(const ProxyStream&) = delete;

  int32_t id() const { return id_; }

  // --- the client side (ServerConn's session callbacks) ---
  // False: the header block is over the limit (the stream is answered RESOURCE_EXHAUSTED).
  bool OnRequestHeader(nghttp2_rcbuf* name, nghttp2_rcbuf* value);
  void OnRequestHeadersDone(bool end_stream);
  void OnClientData(const uint8_t* data, size_t len);
  void OnClientEnd();
  // nghttp2 closed the client stream (`error_code` from a reset, or NO_ERROR); the ServerConn
  // deletes this object right after.
  void OnClientClosed(uint32_t error_code);
  // The server session's data source for the response body.
  ssize_t ReadForClient(uint8_t* buf, size_t len, uint32_t* flags);
  // Our final status went out in a frame with END_STREAM.
  void OnResponseEndSent();

  // --- the upstream side (UpstreamStream) ---
  void OnUpstreamHeader(nghttp2_rcbuf* name, nghttp2_rcbuf* value) override;
  void OnUpstreamHeadersDone(bool end_stream) override;
  void OnUpstreamData(const uint8_t* data, size_t len) override;
  void OnUpstreamEnd() override;
  void OnUpstreamClosed(uint32_t error_code, bool refused, const char* why) override;
  ssize_t ReadForUpstream(uint8_t* buf, size_t len, uint32_t* flags) override;

  // Health Watch streams: the serving status may have changed.
  void PushHealth();

  // --- whole-message plans (UnaryPlan::Responder) ---
  void RespondWithLeg(const UpstreamLeg& leg) override;
  void RespondMerged(routing::MergeResult merged, const UpstreamLeg& metadata_leg) override;

 private:
  // kForward: frames pass through to one upstream stream. kWhole: a unary call whose plan
  // needs whole messages (UnaryPlan): the request is gathered, then the plan runs.
  enum class Mode { kHeaders, kLocalUnary, kHealthWatch, kForward, kWhole, kDone };
  enum class Local { kNone, kHealthCheck, kHealthWatch, kFeedback };

  void Route();
  void StartUpstream();
  // Whether this call's plan needs whole messages (and so kWhole).
  bool NeedsWholeMessages();
  void StartWholePlan();
  // The response headers of a backend's answer passed on, plus the arm header.
  void CollectResponseHeaders(const HeaderList& headers);
  void ArmDeadline();
  void OnDeadline();
  // Answers the client with `code` (trailers-only when nothing was sent yet, else trailers
  // after what was) and resets the upstream stream.
  void Fail(int code, std::string message);
  void AnswerLocalUnary();
  void SendResponse(std::string body, bool end);  // local answers: headers (+ one message)
  void SubmitTrailers(int code, const std::string& message);
  void ResetUpstream(uint32_t error_code);
  void DetachUpstream();
  void ResumeClientData();
  void ResumeUpstreamData();
  void Count(int code);
  void LogCall(int code, double seconds);
  int MapCancellation(int code) const;
  int UpstreamStatus() const;
  // Resets the backend's failure streak, counts its non-OK status as its error and the call.
  void CountBackendAnswer();

  LoopEnv* const env_;
  ServerConn* const conn_;
  const int32_t id_;
  Mode mode_ = Mode::kHeaders;
  Local local_ = Local::kNone;
  std::chrono::steady_clock::time_point start_;

  HeaderList request_headers_;
  std::string_view path_;
  bool headers_too_large_ = false;

  // Routing.
  std::shared_ptr<const proxy::Snapshot> snapshot_;
  const proxy::RouteRuntime* route_ = nullptr;
  const proxy::ArmRuntime* arm_ = nullptr;
  routing::RoutePlan plan_;
  absl::Time deadline_ = absl::InfiniteFuture();
  bool deadline_is_clients_ = true;
  EventLoop::TimerId deadline_timer_ = 0;
  bool routed_admitted_ = false;
  bool inflight_counted_ = false;
  bool unary_ = false;  // the method is declared unary (proxy.unary_methods / descriptor sets)

  // Whole-message plans.
  std::unique_ptr<UnaryPlan> whole_;
  bool payload_chosen_ = false;
  const UpstreamLeg* answer_leg_ = nullptr;  // whose trailers end the answer being sent
  const UpstreamLeg* answered_ = nullptr;    // whose answer the client got (access log)
  bool answer_merged_ = false;  // the answer is a merge: grpc-status 0, the leg's other trailers

  // Client → upstream.
  ByteQueue to_upstream_;
  MessageScanner request_scan_;
  bool client_ended_ = false;
  int64_t request_bytes_ = 0;
  UpstreamConn* upstream_ = nullptr;
  int32_t upstream_id_ = -1;
  bool upstream_retried_ = false;
  // What was handed to the upstream session, and a copy of it while it may need replaying
  // (at most kReplayBytes: a larger request is not retried once its bytes went out).
  static constexpr size_t kReplayBytes = 64 * 1024;
  int64_t handed_on_ = 0;
  std::string replay_;
  bool replay_ok_ = true;
  bool upstream_data_deferred_ = false;

  // Upstream → client.
  HeaderList response_headers_;
  HeaderList trailers_;
  bool response_started_ = false;  // response HEADERS submitted to the client
  bool upstream_headers_seen_ = false;
  bool upstream_ended_ = false;
  ByteQueue to_client_;
  MessageScanner response_scan_;
  int64_t response_bytes_ = 0;
  bool client_data_deferred_ = false;
  // Our own final status, once decided (then the body's end carries it as trailers).
  bool final_pending_ = false;
  int final_code_ = -1;
  std::string final_message_;
  bool response_ended_ = false;  // END_STREAM submitted

  bool counted_ = false;
  int health_sent_ = -1;
  std::string health_service_;
  std::vector<nghttp2_nv>& nva_;  // the loop's scratch for submissions
};

}  // namespace modelgate::h2
