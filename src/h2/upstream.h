// Connections to backends: nghttp2 client sessions, multiplexed (every stream of a loop to one
// backend address shares a connection; nghttp2 queues streams beyond the backend's
// SETTINGS_MAX_CONCURRENT_STREAMS, and the loop's in-flight cap bounds that queue). A connection
// that receives GOAWAY takes no new streams; streams it never processed come back as refused and
// are retried on a fresh connection. The pool keeps one usable connection per address (and
// connection settings) and goes round the addresses call by call (a headless Service's pods),
// or sticks to the first that works (pick_first).
//
// Thread-compatible: owned by one event loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "h2/connection.h"
#include "h2/loop_env.h"
#include "h2/target.h"
#include "h2/upstream_stream.h"

namespace modelgate::h2 {

class UpstreamPool;

class UpstreamConn final : public Connection {
 public:
  // Starts connecting to `ep` (the pool knows it as `key`); null (with `error`) when the
  // socket could not even be created.
  static UpstreamConn* Connect(LoopEnv* env, UpstreamPool* pool, const Endpoint& ep,
                               std::string key, absl::Duration connect_timeout,
                               std::string* error);

  // Submits a request for `stream`; its stream id, or a negative nghttp2 error.
  int32_t Submit(UpstreamStream* stream, const nghttp2_nv* nva, size_t n);
  // `id` no longer reports to its stream (which is going away or moved on).
  void Detach(int32_t id);
  bool usable() const { return !closed() && !goaway_; }
  const std::string& key() const { return key_; }

 private:
  UpstreamConn(LoopEnv* env, UpstreamPool* pool, int fd, std::string key);
  ~UpstreamConn() override;
  void OnClosed(const char* why) override;
  void OnConnected() override;
  void ArmIdleTimer();

  static int OnHeader(nghttp2_session*, const nghttp2_frame*, nghttp2_rcbuf*, nghttp2_rcbuf*,
                      uint8_t, void*);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int OnStreamClose(nghttp2_session*, int32_t, uint32_t, void*);

  LoopEnv* const env_;
  UpstreamPool* pool_;
  const std::string key_;
  absl::flat_hash_map<int32_t, UpstreamStream*> streams_;
  bool goaway_ = false;
  int32_t goaway_last_id_ = 0;
  EventLoop::TimerId timer_ = 0;  // connect timeout, then idle timeout
  absl::Time last_active_;
};

class UpstreamPool {
 public:
  explicit UpstreamPool(LoopEnv* env) : env_(env) {}
  ~UpstreamPool();

  // A connection for the next call to `target`, or null with `error` set.
  UpstreamConn* Pick(const ResolvedTarget& target, std::string* error);
  // Connects to the addresses calls to `target` will use (all of them; the first for
  // pick_first) where no usable connection exists. Failures are only remembered.
  void Warm(const ResolvedTarget& target);
  // The connection is closing or got GOAWAY: it takes no new streams.
  void Forget(UpstreamConn* conn, bool failed);
  // Closes every connection (the loop is stopping).
  void CloseAll();

 private:
  struct Addr {
    UpstreamConn* conn = nullptr;
    absl::Time failed_at = absl::InfinitePast();
  };
  LoopEnv* const env_;
  absl::flat_hash_map<std::string, Addr> addrs_;  // by endpoint key
  absl::flat_hash_map<std::string, size_t> next_;  // round robin, by target
};

}  // namespace modelgate::h2
