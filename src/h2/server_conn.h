// A client connection: an nghttp2 server session whose streams are ProxyStreams. It sets the
// abuse limits (concurrent streams, header list size, rapid reset, CONTINUATION floods), closes
// itself after proxy.client_idle_timeout_seconds without streams, pings idle connections, and
// drains in two phases (GOAWAY with the maximum stream id, then the last one seen).
//
// Thread-compatible: owned by one event loop (deleted by it after Close).
#pragma once

#include <cstdint>

#include "absl/container/flat_hash_set.h"
#include "h2/connection.h"
#include "h2/loop_env.h"

namespace modelgate::h2 {

class ProxyStream;

class ServerConn final : public Connection {
 public:
  // Takes `fd` (an accepted socket); null when the session could not be set up (fd closed).
  static ServerConn* Create(LoopEnv* env, int fd);

  LoopEnv* env() const { return env_; }
  // Phase one of a graceful shutdown: GOAWAY announcing the end; phase two follows after a
  // round trip, and the connection closes once its streams are done.
  void BeginDrain();
  size_t streams() const { return streams_.size(); }

 private:
  ServerConn(LoopEnv* env, int fd);
  ~ServerConn() override;
  void OnClosed(const char* why) override;
  void ArmIdleTimer();
  void OnIdleTimer();
  void FinishDrain();

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnHeader(nghttp2_session*, const nghttp2_frame*, nghttp2_rcbuf*, nghttp2_rcbuf*,
                      uint8_t, void*);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int OnStreamClose(nghttp2_session*, int32_t, uint32_t, void*);
  static int OnFrameSend(nghttp2_session*, const nghttp2_frame*, void*);

  LoopEnv* const env_;
  absl::flat_hash_set<ProxyStream*> streams_;
  EventLoop::TimerId idle_timer_ = 0;
  EventLoop::TimerId drain_timer_ = 0;
  absl::Time last_active_;
  bool draining_ = false;
  bool ping_outstanding_ = false;
};

}  // namespace modelgate::h2
