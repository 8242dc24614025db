// Channels to backends, shared by every snapshot that names the same target with the same
// settings (address, authority, lb_policy, upstream), so a reload does not reconnect to
// unchanged backends, and released once no snapshot uses them. A channel starts connecting
// when it is created and is kept connected and watched off the request path; its state feeds
// modelgate_backend_connected{backend} and is logged (rate-limited) when a backend becomes
// unreachable and when it recovers.
//
// Thread-safe. The request path never calls into the pool: it holds the channels (through its
// snapshot), and dropping the last of them only decrements a reference count.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log_rate_limit.h"
#include "config/config.h"
#include "proxy/connectivity_watcher.h"
#include "telemetry/metrics.h"

namespace modelgate::proxy {

class UpstreamPool {
 public:
  // `metrics` may be null (no gauge); it must outlive the pool.
  UpstreamPool(int64_t max_message_bytes, telemetry::Metrics* metrics);
  ~UpstreamPool() { Stop(); }

  // The channel for `backend`: the one the pool has for the same target and settings, or a new
  // one, connecting. The pool keeps a channel while any copy of a pointer it returned lives.
  std::shared_ptr<grpc::Channel> Get(const config::Backend& backend) ABSL_LOCKS_EXCLUDED(mu_);

  // The backends of the config now taking traffic: names for the gauge and the logs. Gauge
  // series of backends no longer configured are removed.
  void Publish(const std::vector<config::Backend>& backends) ABSL_LOCKS_EXCLUDED(mu_);

  // Drops the channels no snapshot uses any more (the watcher thread also does this every
  // 100 ms); returns how many channels remain.
  size_t ReleaseUnused() ABSL_LOCKS_EXCLUDED(mu_);

  // Stops watching (no more gauge updates or logs). Idempotent.
  void Stop() { watcher_.Stop(); }

 private:
  struct Key {
    std::string target;
    std::string authority;
    config::LbPolicy lb_policy;
    config::UpstreamConfig upstream;
    bool operator<(const Key& o) const {
      const auto tie = [](const Key& k) {
        const config::UpstreamConfig& u = k.upstream;
        return std::tie(k.target, k.authority, k.lb_policy, u.reconnect_initial_seconds,
                        u.reconnect_max_seconds, u.connect_timeout_seconds);
      };
      return tie(*this) < tie(o);
    }
  };
  struct Entry {
    uint64_t watch_id = 0;
    std::shared_ptr<grpc::Channel> channel;
    std::weak_ptr<grpc::Channel> lease;  // expires when no snapshot holds the channel
    std::vector<std::string> names;      // backends of the published config that use it
    std::vector<prometheus::Gauge*> gauges;
    std::optional<absl::Time> down_since;  // set while unreachable
  };

  void OnStateChange(uint64_t watch_id, grpc_connectivity_state state) ABSL_LOCKS_EXCLUDED(mu_);
  static std::string Describe(const Key& key, const Entry& entry);

  const int64_t max_message_bytes_;
  telemetry::Metrics* const metrics_;
  KeyedLogRateLimiter state_log_{4, std::chrono::seconds(30)};
  absl::Mutex mu_;
  std::map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, prometheus::Gauge*> gauges_ ABSL_GUARDED_BY(mu_);
  // Last: its thread calls back into the members above, so it starts after and stops before.
  ConnectivityWatcher watcher_;
};

// Waits until each channel is READY or has failed (TRANSIENT_FAILURE), or `timeout` passed, so
// a snapshot can take traffic on connected channels without a down backend holding up start or
// reload. Returns the indexes of the channels that are not READY.
std::vector<size_t> AwaitConnected(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                   absl::Duration timeout);

}  // namespace modelgate::proxy
