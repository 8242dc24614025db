// MonitorEngine: monitor lookup by experiment fingerprint, payload queues, the monitor thread.
#include "monitor/monitor_engine.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_compression.h"
#include "common/log.h"
#include "common/stable_hash.h"
#include "monitor/fingerprint.h"
#include "payload/inference_v2.h"
#include "payload/parse_cord.h"

namespace modelgate::monitor {
namespace {

// A digest of the reference file's bytes, so new contents under the same path start a new
// experiment. NotFound when the file cannot be read.
absl::StatusOr<std::string> FileDigest(const std::string& route, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("route ", route, ": monitor.drift.reference_file: cannot open ", path));
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return absl::StrCat(StableHash64(bytes.str()), ":", bytes.str().size());
}

}  // namespace

MonitorEngine::MonitorEngine(std::shared_ptr<prometheus::Registry> registry, int num_shards)
    : MonitorEngine(std::move(registry), num_shards, Options()) {}

MonitorEngine::MonitorEngine(std::shared_ptr<prometheus::Registry> registry, int num_shards,
                             Options options)
    : registry_(std::move(registry)),
      num_shards_(num_shards < 1 ? 1 : num_shards),
      options_(options) {
  if (options_.start_thread) {
    MutexLock lock(&join_mu_);
    thread_ = std::thread([this] { Loop(); });
  }
}

MonitorEngine::~MonitorEngine() { Stop(); }

void MonitorEngine::Stop() {
  {
    MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  stop_cv_.NotifyAll();
  MutexLock lock(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

void MonitorEngine::Loop() {
  const auto poll = absl::ToChronoNanoseconds(options_.poll_interval);
  for (;;) {
    {
      // Sleep one poll interval, waking at once on Stop().
      const auto deadline = std::chrono::steady_clock::now() + poll;
      MutexLock lock(&stop_mu_);
      while (!stopping_ && stop_cv_.WaitUntil(&stop_mu_, deadline)) {
      }
      if (stopping_) return;
    }
    RunOnce(absl::Now());
  }
}

absl::StatusOr<std::shared_ptr<RouteMonitor>> MonitorEngine::ForRoute(
    const config::Route& route, const std::vector<config::Backend>& backends,
    const Factory& make) {
  if (!route.monitor.enabled) return nullptr;
  std::vector<int64_t> weights;
  for (const config::RouteArm& a : route.arms) weights.push_back(a.weight);
  std::string digest;
  if (!route.monitor.payload.empty() && !route.monitor.drift.reference_file.empty()) {
    absl::StatusOr<std::string> d = FileDigest(route.name, route.monitor.drift.reference_file);
    if (!d.ok()) return d.status();
    digest = *std::move(d);
  }
  const std::string fingerprint = ExperimentFingerprint(route, backends, digest);
  auto find = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> std::shared_ptr<RouteMonitor> {
    for (const Entry& e : entries_) {
      if (e.fingerprint != fingerprint) continue;
      if (std::shared_ptr<RouteMonitor> m = e.monitor.lock()) return m;
    }
    return nullptr;
  };
  {
    MutexLock lock(&mu_);
    if (std::shared_ptr<RouteMonitor> m = find()) {
      m->SetWeights(weights);
      return m;
    }
  }
  // Built outside the lock: loading a reference file can take a while.
  absl::StatusOr<std::shared_ptr<RouteMonitor>> created = make(route, num_shards_, registry_);
  if (!created.ok()) return created.status();
  MutexLock lock(&mu_);
  if (std::shared_ptr<RouteMonitor> m = find()) {  // a concurrent caller won
    m->SetWeights(weights);
    return m;
  }
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [](const Entry& e) { return e.monitor.expired(); }),
                 entries_.end());
  entries_.push_back({fingerprint, route.name, *created, absl::InfinitePast()});
  return *std::move(created);
}

void MonitorEngine::Retain(const std::vector<const telemetry::OutcomeSink*>& live) {
  MutexLock lock(&mu_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) {
                                  std::shared_ptr<RouteMonitor> m = e.monitor.lock();
                                  const telemetry::OutcomeSink* sink = m.get();
                                  return m == nullptr ||
                                         std::find(live.begin(), live.end(), sink) == live.end();
                                }),
                 entries_.end());
}

std::shared_ptr<RouteMonitor> MonitorEngine::Find(const std::string& route) const {
  MutexLock lock(&mu_);
  // The newest monitor of the route: after a reload that changed the experiment, the old one
  // may live on until its snapshot's last call ends.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->route != route) continue;
    if (std::shared_ptr<RouteMonitor> m = it->monitor.lock()) return m;
  }
  return nullptr;
}

absl::StatusOr<nlohmann::json> MonitorEngine::RouteStats(const std::string& route) const {
  std::shared_ptr<RouteMonitor> monitor = Find(route);
  if (monitor == nullptr) {
    return absl::NotFoundError(absl::StrCat("route ", route, " has no monitor"));
  }
  return monitor->Report();
}

int MonitorEngine::num_monitors() const {
  MutexLock lock(&mu_);
  int n = 0;
  for (const Entry& e : entries_) n += e.monitor.expired() ? 0 : 1;
  return n;
}

int MonitorEngine::RunOnce(absl::Time now) {
  MutexLock run_lock(&run_mu_);
  std::vector<std::shared_ptr<RouteMonitor>> monitors;
  std::vector<bool> due;
  {
    MutexLock lock(&mu_);
    for (Entry& e : entries_) {
      std::shared_ptr<RouteMonitor> m = e.monitor.lock();
      if (m == nullptr) continue;
      const bool is_due = now >= e.next_evaluation;
      if (is_due) e.next_evaluation = now + m->interval();
      monitors.push_back(std::move(m));
      due.push_back(is_due);
    }
  }
  int taken = 0;
  PendingPayload payload;
  for (const std::shared_ptr<RouteMonitor>& m : monitors) {
    // At most one queue's worth per round, so a route that is refilled as fast as it drains
    // cannot keep the thread from the others or from evaluating.
    const int64_t budget = std::max<int64_t>(1, m->config().queue_size);
    for (int64_t i = 0; i < budget && m->TryDequeuePayload(&payload); ++i) {
      Decode(*m, payload, now);
      ++taken;
    }
  }
  for (size_t i = 0; i < monitors.size(); ++i) {
    if (due[i]) monitors[i]->Evaluate(now);
  }
  // The last reference to a monitor may be ours (its snapshot is gone); it is destroyed here,
  // on the monitor thread, outside the engine's locks.
  return taken;
}

void MonitorEngine::Decode(RouteMonitor& monitor, PendingPayload& payload, absl::Time now) {
  // Compressed messages are inflated here, off the request path, capped.
  const size_t cap = static_cast<size_t>(options_.max_message_bytes);
  if (!InflateIfCompressed(&payload.response, &payload.response_compressed, cap).ok() ||
      (monitor.needs_request() &&
       !InflateIfCompressed(&payload.request, &payload.request_compressed, cap).ok())) {
    monitor.CountDecodeError();
    return;
  }
  response_.Clear();
  if (!payload::ParseCord(payload.response, &response_).ok()) {
    monitor.CountDecodeError();
    return;
  }
  const inference::ModelInferRequest* request = nullptr;
  if (monitor.needs_request()) {
    request_.Clear();
    if (!payload::ParseCord(payload.request, &request_).ok()) {
      monitor.CountDecodeError();
      return;
    }
    request = &request_;
  }
  monitor.RecordPayload(payload.arm, request, response_, now);
}

}  // namespace modelgate::monitor
