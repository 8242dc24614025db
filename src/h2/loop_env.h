// What the connections and streams of one event loop share: the loop, the routing snapshot (a
// cached pointer refreshed when its generation changes), admission, the upstream connections,
// health watchers, shadow copies, and the data plane's settings. One per data-plane thread;
// touched only by it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <nghttp2/nghttp2.h>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "common/random.h"
#include "h2/event_loop.h"
#include "h2/index_policy.h"

namespace modelgate::telemetry {
class Metrics;
}
namespace modelgate::proxy {
class Snapshot;
}

namespace modelgate::h2 {

class ProxyStream;
class ServerConn;
class ShadowLegs;
class UpstreamPool;

struct PlaneSettings {
  int64_t max_message_bytes = 16 * 1024 * 1024;
  int64_t max_routed_calls = 10000;  // this loop's share of proxy.max_inflight_calls
  uint32_t max_header_list_bytes = 16 * 1024;  // request headers; over it: RESOURCE_EXHAUSTED
  uint32_t max_concurrent_streams = 1000;      // per client connection (SETTINGS)
  int32_t stream_window = 1 << 20;             // per stream, both sides
  int32_t connection_window = 16 << 20;        // per connection, both sides
  absl::Duration client_idle_timeout = absl::Minutes(5);  // ZeroDuration: never
  absl::Duration upstream_idle_timeout = absl::Minutes(5);
  absl::Duration keepalive_interval = absl::Seconds(30);  // PING of idle client connections
};

// Read-only views of the process the plane serves (thread-safe callbacks).
struct PlaneHost {
  std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot;
  std::function<uint64_t()> generation;
  std::function<bool()> serving;   // health says SERVING
  std::function<bool()> stopping;  // draining
  telemetry::Metrics* metrics = nullptr;
};

class LoopEnv {
 public:
  LoopEnv(int shard, const PlaneSettings& settings, const PlaneHost* host);
  ~LoopEnv();

  EventLoop& loop() { return loop_; }
  int shard() const { return shard_; }
  SplitMix64& rng() { return rng_; }
  // Scratch for building header blocks: nghttp2 copies what it is given on submission, so one
  // vector per loop serves every stream without allocating.
  std::vector<nghttp2_nv>& scratch_nva() { return scratch_nva_; }
  // HPACK indexing of forwarded fields, towards backends and towards clients.
  IndexPolicy& upstream_index() { return upstream_index_; }
  IndexPolicy& client_index() { return client_index_; }
  const PlaneSettings& settings() const { return settings_; }
  // proxy.max_message_bytes, as a cap on what a compressed message may inflate to.
  size_t message_cap() const { return static_cast<size_t>(settings_.max_message_bytes); }
  telemetry::Metrics& metrics() { return *host_->metrics; }
  bool serving() const { return host_->serving(); }
  bool stopping() const { return host_->stopping(); }
  const std::shared_ptr<const proxy::Snapshot>& CurrentSnapshot();
  UpstreamPool& upstreams() { return *upstreams_; }
  ShadowLegs& shadows() { return *shadows_; }

  bool TryStartRoutedCall() {
    if (routed_calls_ >= settings_.max_routed_calls) return false;
    ++routed_calls_;
    return true;
  }
  void RoutedCallEnded() { --routed_calls_; }

  void AddWatcher(ProxyStream* s) { watchers_.insert(s); }
  void RemoveWatcher(ProxyStream* s) { watchers_.erase(s); }
  void PushHealth();

  void AddConnection(ServerConn* c) { conns_.insert(c); }
  void RemoveConnection(ServerConn* c) { conns_.erase(c); }
  const absl::flat_hash_set<ServerConn*>& connections() const { return conns_; }

 private:
  EventLoop loop_;
  const int shard_;
  const PlaneSettings settings_;
  const PlaneHost* const host_;
  SplitMix64 rng_;
  std::vector<nghttp2_nv> scratch_nva_;
  IndexPolicy upstream_index_;
  IndexPolicy client_index_;
  std::shared_ptr<const proxy::Snapshot> snapshot_;
  uint64_t generation_ = 0;
  int64_t routed_calls_ = 0;
  std::unique_ptr<UpstreamPool> upstreams_;
  std::unique_ptr<ShadowLegs> shadows_;  // after upstreams_: destroyed first
  absl::flat_hash_set<ProxyStream*> watchers_;
  absl::flat_hash_set<ServerConn*> conns_;
};

}  // namespace modelgate::h2
