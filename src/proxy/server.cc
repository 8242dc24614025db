// Server construction, reload and graceful shutdown.
#include "proxy/server.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/log_rate_limit.h"

namespace modelgate::proxy {
namespace {
// proxy.max_client_connections, or by default the descriptor limit less a reserve for upstream
// connections, the admin port and files (a tenth, at least 64), so that client connections
// alone can never exhaust the process's descriptors.
int64_t ClientConnectionCap(int64_t configured) {
  if (configured > 0) return configured;
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 0;
  const auto limit = static_cast<int64_t>(rl.rlim_cur);
  return std::max<int64_t>(1, limit - std::max<int64_t>(64, limit / 10));
}

// How long start and reload wait for new upstream channels to connect (DESIGN.md §2: a cold
// channel's first call waited ~100 ms). Bounded, so a backend that is down or unresolvable
// never holds up start or a reload; backends refusing connections fail fast and cost nothing.
constexpr absl::Duration kConnectWait = absl::Seconds(2);

// Before a snapshot takes traffic: its backends connect, and the pool learns their names.
void WarmUp(const Snapshot& snap, UpstreamPool& pool) {
  const absl::Time start = absl::Now();
  const std::vector<std::string> down = snap.AwaitBackends(kConnectWait);
  const size_t total = snap.config().backends.size();
  MG_LOG(kInfo, total - down.size(), " of ", total, " backends connected in ",
         absl::StrFormat("%.0f", absl::ToDoubleMilliseconds(absl::Now() - start)), " ms",
         down.empty() ? "" : absl::StrCat(" (not connected: ", absl::StrJoin(down, ", "), ")"));
  pool.Publish(snap.config().backends);
}
}  // namespace

ProxyServer::ProxyServer(const config::Config& config, telemetry::Metrics* metrics,
                         SnapshotHooks hooks)
    : metrics_(metrics),
      hooks_(std::move(hooks)),
      max_message_bytes_(config.proxy.max_message_bytes),
      drain_seconds_(config.proxy.drain_seconds),
      pool_(config.proxy.max_message_bytes, metrics),
      running_(config) {}

ProxyServer::~ProxyServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<ProxyServer>> ProxyServer::Start(const config::Config& config,
                                                                telemetry::Metrics* metrics,
                                                                SnapshotHooks hooks) {
  std::unique_ptr<ProxyServer> self(new ProxyServer(config, metrics, std::move(hooks)));
  {
    absl::MutexLock apply_lock(&self->apply_mu_);
    if (self->SelectAccessLog(config.access_log)) {
      MG_LOG(kInfo, "access log: ", config.access_log.path);
    }
    MutexLock lock(&self->mu_);
    auto snap =
        Snapshot::Build(config, 1, self->pool_, self->shadow_budgets_, *metrics, self->hooks_);
    if (!snap.ok()) return snap.status();
    WarmUp(**snap, self->pool_);
    self->snapshot_ = *snap;
  }
  self->generation_.store(1, std::memory_order_release);
  metrics->SetConfigInfo(config.hash, 1);
  metrics->MarkConfigValid();

  // modelgate accepts client connections itself (client_listener.h) and hands them to the
  // server, which therefore has no listening port of its own.
  ClientListener::Options listen_options;
  listen_options.max_connections = ClientConnectionCap(config.proxy.max_client_connections);
  auto listener = ClientListener::Bind(config.listen, listen_options);
  if (!listener.ok()) return listener.status();
  self->listener_ = std::move(*listener);
  self->port_ = self->listener_->port();
  auto refused = [metrics](ClientListener::Refusal why) {
    metrics->ClientConnectionsRejected(why == ClientListener::Refusal::kDescriptors)->Increment();
    static LogRateLimiter refusal_log(1, std::chrono::seconds(10));
    MG_LOG_RATE_LIMITED(refusal_log, kWarning, "refusing client connections: ",
                        why == ClientListener::Refusal::kDescriptors
                            ? "out of file descriptors"
                            : "proxy.max_client_connections reached");
  };
  auto open_changed = [metrics](int64_t open) {
    metrics->ClientConnections()->Set(static_cast<double>(open));
  };

  h2::PlaneSettings settings;
  settings.max_message_bytes = config.proxy.max_message_bytes;
  settings.max_routed_calls =
      (config.proxy.max_inflight_calls + config.proxy.threads - 1) / config.proxy.threads;
  settings.client_idle_timeout = absl::Seconds(config.proxy.client_idle_timeout_seconds);
  h2::PlaneHost host;
  ProxyServer* server = self.get();
  host.snapshot = [server] { return server->snapshot(); };
  host.generation = [server] { return server->generation(); };
  host.serving = [server] { return server->serving(); };
  host.stopping = [server] { return server->stopping(); };
  host.metrics = metrics;
  auto plane = h2::DataPlane::Start(config.proxy.threads, settings, std::move(host));
  if (!plane.ok()) return plane.status();
  self->plane_ = std::move(*plane);
  self->serving_.store(true, std::memory_order_release);
  h2::DataPlane* p = self->plane_.get();
  self->listener_->Start([p](int fd) { p->Adopt(fd); }, refused, open_changed);
  p->WarmUpstreams();
  self->dns_refresher_.Start(absl::Milliseconds(100), [server] { server->RefreshDns(); });
  MG_LOG(kInfo, "data plane: h2 (frame-level, nghttp2), ", config.proxy.threads, " threads");
  return self;
}

std::optional<std::string> ProxyServer::ListenerProblem() const {
  return listener_ ? listener_->Problem() : std::nullopt;
}

std::shared_ptr<const Snapshot> ProxyServer::snapshot() const {
  MutexLock lock(&mu_);
  return snapshot_;
}

absl::StatusOr<std::vector<std::string>> ProxyServer::Apply(const config::Config& config) {
  absl::MutexLock apply_lock(&apply_mu_);
  std::vector<std::string> ignored;
  config::Config effective = config;
  uint64_t next;
  bool log_changed;
  {
    // Released before the new snapshot connects: snapshot() readers must not wait for it.
    MutexLock lock(&mu_);
    if (config.listen != running_.listen) {
      ignored.push_back(absl::StrCat("listen (", config.listen, ") needs a restart"));
      effective.listen = running_.listen;
    }
    if (config.admin.listen != running_.admin.listen) {
      ignored.push_back(absl::StrCat("admin.listen (", config.admin.listen, ") needs a restart"));
      effective.admin.listen = running_.admin.listen;
    }
    if (config.proxy.threads != running_.proxy.threads) {
      ignored.push_back("proxy.threads needs a restart");
      effective.proxy.threads = running_.proxy.threads;
    }
    if (config.proxy.max_message_bytes != running_.proxy.max_message_bytes) {
      ignored.push_back("proxy.max_message_bytes needs a restart");
      effective.proxy.max_message_bytes = running_.proxy.max_message_bytes;
    }
    if (config.proxy.max_client_connections != running_.proxy.max_client_connections) {
      ignored.push_back("proxy.max_client_connections needs a restart");
      effective.proxy.max_client_connections = running_.proxy.max_client_connections;
    }
    if (config.proxy.client_idle_timeout_seconds != running_.proxy.client_idle_timeout_seconds) {
      ignored.push_back("proxy.client_idle_timeout_seconds needs a restart");
      effective.proxy.client_idle_timeout_seconds = running_.proxy.client_idle_timeout_seconds;
    }
    log_changed = config.access_log != running_.access_log;
    next = generation_.load(std::memory_order_acquire) + 1;
  }
  const std::shared_ptr<telemetry::AccessLog> log_before = hooks_.access_log;
  const bool log_opened = log_changed && SelectAccessLog(config.access_log);
  auto snap = Snapshot::Build(effective, next, pool_, shadow_budgets_, *metrics_, hooks_);
  if (!snap.ok()) {
    hooks_.access_log = log_before;  // a refused config changes nothing (an opened log idles)
    return snap.status();
  }
  WarmUp(**snap, pool_);
  if (log_changed) {
    const config::AccessLogConfig& c = config.access_log;
    // The object lives on when a reload turns the log off: calls of the replaced snapshot
    // still write to it, and a later config may turn it on again.
    if (c.enabled() && !log_opened) {
      access_log_->Reconfigure(c.path, c.max_bytes, c.max_files, c.buffer_entries);
    }
    MG_LOG(kInfo, "access log: ", c.enabled() ? c.path : "off");
  }
  MutexLock lock(&mu_);
  snapshot_ = *snap;
  // Experiments that changed start fresh; unchanged ones kept their monitor (and statistics).
  if (hooks_.installed) hooks_.installed(snapshot_->Sinks());
  running_ = effective;
  generation_.store(next, std::memory_order_release);
  metrics_->SetConfigInfo(effective.hash, next);
  pool_.ReleaseUnused();  // channels of removed backends, once no call holds the old snapshot
  plane_->WarmUpstreams();
  return ignored;
}

bool ProxyServer::SelectAccessLog(const config::AccessLogConfig& c) {
  if (!c.enabled() || !hooks_.open_access_log) {
    hooks_.access_log = nullptr;
    return false;
  }
  const bool open = access_log_ == nullptr;
  if (open) access_log_ = hooks_.open_access_log(c);
  hooks_.access_log = access_log_;
  return open;
}

void ProxyServer::RefreshDns() {
  const std::shared_ptr<const Snapshot> snap = snapshot();
  const double every = snap->config().proxy.dns_refresh_seconds;
  const absl::Time now = absl::Now();
  if (every <= 0 || now - last_dns_refresh_ < absl::Seconds(every)) return;
  last_dns_refresh_ = now;
  static KeyedLogRateLimiter failure_log(1, std::chrono::minutes(1));
  bool changed = false;
  for (size_t i = 0; i < snap->backends().size(); ++i) {
    BackendRuntime& rt = *snap->backends()[i];
    const config::Backend& b = snap->config().backends[i];  // the same order
    std::string error;
    switch (RefreshBackend(b, rt.resolution, &error)) {
      case RefreshResult::kChanged:
        changed = true;
        MG_LOG(kInfo, "backend \"", b.name, "\" (", b.address, ") now resolves to ",
               rt.Resolved()->target->endpoints.size(), " address(es)");
        break;
      case RefreshResult::kFailed:
        MG_LOG_KEYED(failure_log, b.name, kWarning, "backend \"", b.name, "\" (", b.address,
                     ") did not resolve again, its last addresses stay in use: ", error);
        break;
      case RefreshResult::kNotDns:
      case RefreshResult::kUnchanged:
        break;
    }
  }
  if (changed) plane_->WarmUpstreams();  // the loops connect to the new addresses
}

void ProxyServer::Shutdown() {
  MutexLock lock(&shutdown_mu_);
  if (shut_down_ || plane_ == nullptr) return;
  shut_down_ = true;
  serving_.store(false, std::memory_order_release);
  stopping_.store(true, std::memory_order_release);
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::duration<double>(drain_seconds_));
  dns_refresher_.Stop();
  MG_LOG(kInfo, "draining for up to ", drain_seconds_, "s");
  listener_->Stop();
  plane_->Shutdown(absl::FromChrono(deadline));
  pool_.Stop();
  {
    // Every call has ended: write what the access log holds before exiting.
    absl::MutexLock apply_lock(&apply_mu_);
    if (access_log_ != nullptr) access_log_->Stop();
  }
  MG_LOG(kInfo, "stopped");
}

}  // namespace modelgate::proxy
