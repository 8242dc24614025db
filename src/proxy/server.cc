// Server construction, reload and graceful shutdown.
#include "proxy/server.h"

#include <chrono>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "monitor/monitor_engine.h"
#include "proxy/worker.h"

namespace modelgate::proxy {
namespace {
constexpr int kAcceptSlotsPerWorker = 32;
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
                         monitor::MonitorEngine* monitors)
    : metrics_(metrics),
      monitors_(monitors),
      max_message_bytes_(config.proxy.max_message_bytes),
      drain_seconds_(config.proxy.drain_seconds),
      pool_(config.proxy.max_message_bytes, metrics),
      running_(config) {}

ProxyServer::~ProxyServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<ProxyServer>> ProxyServer::Start(const config::Config& config,
                                                                telemetry::Metrics* metrics,
                                                                monitor::MonitorEngine* monitors) {
  std::unique_ptr<ProxyServer> self(new ProxyServer(config, metrics, monitors));
  {
    std::lock_guard<std::mutex> lock(self->mu_);
    auto snap = Snapshot::Build(config, 1, self->pool_, *metrics, monitors);
    if (!snap.ok()) return snap.status();
    WarmUp(**snap, self->pool_);
    self->snapshot_ = *snap;
  }
  self->generation_.store(1, std::memory_order_release);
  metrics->SetConfigInfo(config.hash, 1);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &self->port_);
  // gRPC sets SO_REUSEPORT by default: a second modelgate on the same port would start and
  // silently take half the connections. A busy port must be an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterAsyncGenericService(&self->generic_);
  const int limit = static_cast<int>(config.proxy.max_message_bytes);
  builder.SetMaxReceiveMessageSize(limit);
  builder.SetMaxSendMessageSize(limit);
  // Not GRPC_ARG_MINIMAL_STACK, although DESIGN.md §10 measured it 10-20% cheaper: in gRPC
  // 1.51 the minimal stack also drops the message-size filter, so no size limit is enforced and
  // a client could make us buffer a message of any size (verified by
  // ProxySemantics.DefaultMessageLimitIs16MiBOnBothSides).
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  for (int i = 0; i < config.proxy.threads; ++i) queues.push_back(builder.AddCompletionQueue());
  self->server_ = builder.BuildAndStart();
  if (self->server_ == nullptr || self->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen));
  }
  for (int i = 0; i < config.proxy.threads; ++i) {
    self->workers_.push_back(
        std::make_unique<Worker>(self.get(), &self->generic_, std::move(queues[i]), i,
                                 (config.proxy.max_inflight_calls + config.proxy.threads - 1) /
                                     config.proxy.threads));
  }
  self->serving_.store(true, std::memory_order_release);
  for (auto& w : self->workers_) w->Start(kAcceptSlotsPerWorker);
  return self;
}

std::shared_ptr<const Snapshot> ProxyServer::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

absl::StatusOr<std::vector<std::string>> ProxyServer::Apply(const config::Config& config) {
  absl::MutexLock apply_lock(&apply_mu_);
  std::vector<std::string> ignored;
  std::unique_lock<std::mutex> lock(mu_);
  config::Config effective = config;
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
  const uint64_t next = generation_.load(std::memory_order_acquire) + 1;
  lock.unlock();  // snapshot() readers must not wait while the new snapshot connects
  auto snap = Snapshot::Build(effective, next, pool_, *metrics_, monitors_);
  if (!snap.ok()) return snap.status();
  WarmUp(**snap, pool_);
  lock.lock();
  snapshot_ = *snap;
  // Experiments that changed start fresh; unchanged ones kept their monitor (and statistics).
  if (monitors_ != nullptr) monitors_->Retain(snapshot_->Monitors());
  running_ = effective;
  generation_.store(next, std::memory_order_release);
  metrics_->SetConfigInfo(effective.hash, next);
  pool_.ReleaseUnused();  // channels of removed backends, once no call holds the old snapshot
  return ignored;
}

void ProxyServer::Shutdown() {
  std::lock_guard<std::mutex> lock(shutdown_mu_);
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  serving_.store(false, std::memory_order_release);
  stopping_.store(true, std::memory_order_release);
  for (auto& w : workers_) w->NotifyHealthChanged();
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::duration<double>(drain_seconds_));
  MG_LOG(kInfo, "draining for up to ", drain_seconds_, "s");
  server_->Shutdown(deadline);
  for (auto& w : workers_) w->StopAndJoin();
  pool_.Stop();
  MG_LOG(kInfo, "stopped");
}

}  // namespace modelgate::proxy
