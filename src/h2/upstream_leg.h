// One upstream unary call with a whole request, for plans that need whole messages: an attempt
// (or fallback) of a client's call, a ranker of a merge, or a shadow copy. It sends the request,
// gathers the whole answer (headers, the length-prefixed message bytes, trailers; bounded by the
// message limit), enforces its own deadline, and tells its owner once it has ended. After Start
// it needs nothing of the client's stream (the request is shared by reference count), so a
// shadow leg may outlive the call.
//
// Thread-compatible: driven by one event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "h2/event_loop.h"
#include "h2/header_list.h"
#include "h2/message_scanner.h"
#include "h2/upstream_stream.h"

namespace modelgate::proxy {
struct ArmRuntime;
}

namespace modelgate::h2 {

class LoopEnv;
class UpstreamConn;

// A client's request as every leg of its plan sends it.
struct LegRequest {
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;  // forwarded fields, in order
  std::string body;  // the length-prefixed message as the client sent it
};

class UpstreamLeg final : public UpstreamStream {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    // The leg has ended; called last: the owner may destroy the leg.
    virtual void OnLegEnded(UpstreamLeg* leg) = 0;
  };

  UpstreamLeg(LoopEnv* env, Owner* owner, int id, int arm, const proxy::ArmRuntime* runtime);
  // Resets the upstream stream if it is still open; never reports.
  ~UpstreamLeg() override;
  UpstreamLeg(const UpstreamLeg&) = delete;
  UpstreamLeg& operator=(const UpstreamLeg&) = delete;

  // `deadline_is_clients`: its passing is the client giving up, not the backend failing.
  // `marker`: a header set to "1" (shadow copies carry x-modelgate-shadow). A leg that cannot
  // start reports its end from the loop's timers, never from inside Start.
  void Start(std::shared_ptr<const LegRequest> request, absl::Time deadline,
             bool deadline_is_clients, const char* marker);
  // Ends the leg with CANCELLED (reported; not the backend's error).
  void Cancel();

  int id() const { return id_; }
  int arm() const { return arm_; }
  const proxy::ArmRuntime* runtime() const { return runtime_; }
  bool ended() const { return ended_; }
  int code() const { return code_; }
  double latency_seconds() const { return latency_seconds_; }
  // The status came from modelgate (connection failure, reset, deadline, limit, cancel): the
  // client gets code() with message(); otherwise the backend's answer passes on as received.
  bool local() const { return local_; }
  const std::string& message() const { return message_; }
  // The backend's answer (not local()): trailers-only when trailers() is empty.
  const HeaderList& headers() const { return headers_; }
  const HeaderList& trailers() const { return trailers_; }
  const std::string& body() const { return body_; }

  // UpstreamStream.
  void OnUpstreamHeader(nghttp2_rcbuf* name, nghttp2_rcbuf* value) override;
  void OnUpstreamHeadersDone(bool end_stream) override;
  void OnUpstreamData(const uint8_t* data, size_t len) override;
  void OnUpstreamEnd() override;
  void OnUpstreamClosed(uint32_t error_code, bool refused, const char* why) override;
  ssize_t ReadForUpstream(uint8_t* buf, size_t len, uint32_t* flags) override;

 private:
  // Opens the upstream stream; false (with the leg ended locally) when it cannot.
  bool Submit();
  void Reset();
  // Ends with the backend's status (from trailers, or the trailers-only headers).
  void EndAnswered();
  void EndLocally(int code, std::string message);
  // Deferred EndLocally (from Start: never re-enter the owner).
  void EndLocallySoon(int code, std::string message);
  void End();

  LoopEnv* const env_;
  Owner* const owner_;
  const int id_;
  const int arm_;
  const proxy::ArmRuntime* const runtime_;
  std::shared_ptr<const LegRequest> request_;
  const char* marker_ = nullptr;
  absl::Time deadline_ = absl::InfiniteFuture();
  bool deadline_is_clients_ = true;
  std::chrono::steady_clock::time_point start_;
  EventLoop::TimerId timer_ = 0;

  UpstreamConn* upstream_ = nullptr;
  int32_t upstream_id_ = -1;
  size_t sent_ = 0;  // bytes of the body handed to the session
  bool retried_ = false;

  HeaderList headers_;
  HeaderList trailers_;
  bool headers_seen_ = false;
  std::string body_;
  MessageScanner scan_;

  bool ended_ = false;
  bool cancelled_ = false;
  bool local_ = false;
  int code_ = -1;
  std::string message_;
  double latency_seconds_ = 0;
};

}  // namespace modelgate::h2
