// Upstream channels: creation, sharing by lease, release, and what their state changes mean.
#include "proxy/upstream_pool.h"

#include <chrono>
#include <utility>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "proxy/channel_args.h"

namespace modelgate::proxy {

UpstreamPool::UpstreamPool(int64_t max_message_bytes, telemetry::Metrics* metrics)
    : max_message_bytes_(max_message_bytes),
      metrics_(metrics),
      watcher_([this](uint64_t id, grpc_connectivity_state s) { OnStateChange(id, s); },
               [this] { ReleaseUnused(); }) {}

std::shared_ptr<grpc::Channel> UpstreamPool::Get(const config::Backend& backend) {
  Key key{backend.address, backend.authority, backend.lb_policy, backend.upstream};
  absl::MutexLock lock(&mu_);
  Entry& e = entries_[key];
  // Named at once, so its state changes are logged by name before the config is published.
  if (absl::c_find(e.names, backend.name) == e.names.end()) e.names.push_back(backend.name);
  if (auto lease = e.lease.lock()) return lease;
  if (e.channel == nullptr) {
    e.channel = grpc::CreateCustomChannel(backend.address, grpc::InsecureChannelCredentials(),
                                          UpstreamChannelArgs(backend, max_message_bytes_));
    e.watch_id = watcher_.Watch(e.channel);  // also starts connecting
  }
  // Snapshots hold the channel through a lease: a pointer that shares ownership of a holder of
  // the pool's reference. When the last lease goes, only the holder dies (on whatever thread
  // drops it); the channel itself is released by ReleaseUnused, off the request path.
  auto holder = std::make_shared<std::shared_ptr<grpc::Channel>>(e.channel);
  std::shared_ptr<grpc::Channel> lease(holder, holder->get());
  e.lease = lease;
  return lease;
}

void UpstreamPool::Publish(const std::vector<config::Backend>& backends) {
  absl::MutexLock lock(&mu_);
  for (auto& [key, e] : entries_) {
    e.names.clear();
    e.gauges.clear();
  }
  absl::flat_hash_set<std::string> named;
  for (const config::Backend& b : backends) {
    auto it = entries_.find(Key{b.address, b.authority, b.lb_policy, b.upstream});
    if (it == entries_.end()) continue;  // not built through this pool
    Entry& e = it->second;
    e.names.push_back(b.name);
    named.insert(b.name);
    if (metrics_ == nullptr) continue;
    prometheus::Gauge*& gauge = gauges_[b.name];
    if (gauge == nullptr) gauge = metrics_->BackendConnected(b.name);
    gauge->Set(e.channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY ? 1 : 0);
    e.gauges.push_back(gauge);
  }
  for (auto it = gauges_.begin(); it != gauges_.end();) {
    if (named.contains(it->first)) {
      ++it;
      continue;
    }
    metrics_->RemoveBackendConnected(it->second);
    gauges_.erase(it++);
  }
}

size_t UpstreamPool::ReleaseUnused() {
  absl::MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!it->second.lease.expired()) {
      ++it;
      continue;
    }
    MG_LOG(kDebug, "releasing the channel to ", it->first.target, " (no config uses it)");
    watcher_.Unwatch(it->second.watch_id);
    entries_.erase(it++);
  }
  return entries_.size();
}

std::string UpstreamPool::Describe(const Key& key, const Entry& e) {
  if (e.names.empty()) return absl::StrCat("upstream ", key.target);
  return absl::StrCat("backend \"", absl::StrJoin(e.names, "\", \""), "\" (", key.target, ")");
}

void UpstreamPool::OnStateChange(uint64_t watch_id, grpc_connectivity_state state) {
  absl::MutexLock lock(&mu_);
  for (auto& [key, e] : entries_) {
    if (e.watch_id != watch_id) continue;
    for (prometheus::Gauge* g : e.gauges) g->Set(state == GRPC_CHANNEL_READY ? 1 : 0);
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE && !e.down_since.has_value()) {
      e.down_since = absl::Now();
      MG_LOG_KEYED(state_log_, key.target, kWarning, Describe(key, e),
                   " is unreachable; its calls fail with UNAVAILABLE until it reconnects "
                   "(retrying with backoff up to ",
                   key.upstream.reconnect_max_seconds, " s)");
    } else if (state == GRPC_CHANNEL_READY && e.down_since.has_value()) {
      MG_LOG_KEYED(state_log_, key.target, kInfo, Describe(key, e), " is reachable again after ",
                   absl::StrFormat("%.1f", absl::ToDoubleSeconds(absl::Now() - *e.down_since)),
                   " s");
      e.down_since.reset();
    }
    return;
  }
}

std::vector<size_t> AwaitConnected(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                   absl::Duration timeout) {
  // All channels connect at once (each started when it was created); the waits overlap.
  const auto deadline = absl::ToChronoTime(absl::Now() + timeout);
  std::vector<size_t> not_ready;
  for (size_t i = 0; i < channels.size(); ++i) {
    grpc::Channel& channel = *channels[i];
    while (true) {
      const grpc_connectivity_state s = channel.GetState(/*try_to_connect=*/true);
      if (s == GRPC_CHANNEL_READY) break;
      if (s == GRPC_CHANNEL_TRANSIENT_FAILURE || s == GRPC_CHANNEL_SHUTDOWN ||
          !channel.WaitForStateChange(s, deadline)) {
        not_ready.push_back(i);
        break;
      }
    }
  }
  return not_ready;
}

}  // namespace modelgate::proxy
