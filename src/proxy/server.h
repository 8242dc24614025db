// The proxy server: the client listener, the frame-level data plane (h2/data_plane.h: one
// event loop per proxy.threads thread) that serves its connections, the current routing
// snapshot, reload, and graceful shutdown.
// Thread-safe: Apply and Shutdown may be called from any thread; the request path reads the
// snapshot through each loop's cached pointer and an atomic generation number.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/mutex.h"
#include "common/poll_thread.h"
#include "config/config.h"
#include "h2/data_plane.h"
#include "proxy/client_listener.h"
#include "proxy/snapshot.h"
#include "proxy/shadow_budgets.h"
#include "proxy/upstream_pool.h"
#include "telemetry/metrics.h"

namespace modelgate::proxy {

class ProxyServer {
 public:
  // Binds config.listen and starts serving `config`. `metrics` (and what the hooks return)
  // must outlive the server.
  static absl::StatusOr<std::unique_ptr<ProxyServer>> Start(const config::Config& config,
                                                            telemetry::Metrics* metrics,
                                                            SnapshotHooks hooks);
  ~ProxyServer();

  int port() const { return port_; }

  // Swaps in a new config without dropping calls. Settings that need a restart (listen,
  // proxy.threads, proxy.max_message_bytes, ...) keep their running values; the returned list
  // says which were ignored. A changed access_log is applied (telemetry::AccessLog::Reconfigure).
  absl::StatusOr<std::vector<std::string>> Apply(const config::Config& config)
      ABSL_LOCKS_EXCLUDED(apply_mu_, mu_);

  // Health goes NOT_SERVING, new calls are refused, in-flight calls get up to
  // proxy.drain_seconds to finish (then are cancelled), the event loops stop. Idempotent.
  void Shutdown() ABSL_LOCKS_EXCLUDED(shutdown_mu_);

  // Why the gRPC listener cannot take new clients right now (for /healthz and /readyz), or
  // nullopt when it can.
  std::optional<std::string> ListenerProblem() const;

  bool serving() const { return serving_.load(std::memory_order_acquire); }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  bool accepting() const { return !stopping(); }
  telemetry::Metrics& metrics() { return *metrics_; }
  int64_t max_message_bytes() const { return max_message_bytes_; }

  std::shared_ptr<const Snapshot> snapshot() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  ProxyServer(const config::Config& config, telemetry::Metrics* metrics,
              SnapshotHooks hooks);
  // Resolves the current snapshot's DNS-named backends again once proxy.dns_refresh_seconds
  // have passed since the last time (runs on dns_refresher_ every 100 ms).
  void RefreshDns();

  // Points the snapshots to come at the access log `c` asks for (none, or the one object,
  // opened on first use); true if it opened it now.
  bool SelectAccessLog(const config::AccessLogConfig& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);

  telemetry::Metrics* metrics_;
  // Constant but for access_log, which Start and Apply set (under apply_mu_) before building.
  SnapshotHooks hooks_;
  const int64_t max_message_bytes_;
  const double drain_seconds_;
  std::unique_ptr<ClientListener> listener_;
  std::unique_ptr<h2::DataPlane> plane_;  // takes the listener's connections
  int port_ = 0;

  absl::Mutex apply_mu_;  // one Apply at a time; held while its snapshot connects, mu_ is not
  // Once a config has enabled it: every line goes here, wherever the config points it.
  std::shared_ptr<telemetry::AccessLog> access_log_ ABSL_GUARDED_BY(apply_mu_);
  mutable Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  UpstreamPool pool_;  // thread-safe
  ShadowBudgets shadow_budgets_;  // thread-safe
  config::Config running_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};

  Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
  std::atomic<bool> serving_{false};
  std::atomic<bool> stopping_{false};

  absl::Time last_dns_refresh_ = absl::Now();  // dns_refresher_'s own
  PollThread dns_refresher_;                   // last: stopped first
};

}  // namespace modelgate::proxy
