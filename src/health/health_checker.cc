// The backend health registry and the reconciliation of checks with each config.
#include "health/health_checker.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace modelgate::health {
namespace {

// Everything a backend's checker is built from; a change restarts its checks.
std::string CheckSettings(const config::Backend& b, int64_t max_message_bytes) {
  const config::HealthCheckConfig& h = b.health;
  const config::UpstreamConfig& u = b.upstream;
  return absl::StrCat(b.address, "\x1f", b.authority, "\x1f", config::LbPolicyName(b.lb_policy),
                      "\x1f", u.reconnect_initial_seconds, "\x1f", u.reconnect_max_seconds, "\x1f",
                      u.connect_timeout_seconds, "\x1f", max_message_bytes, "\x1f", h.service,
                      "\x1f", h.interval_seconds, "\x1f", h.timeout_seconds, "\x1f",
                      h.unhealthy_after);
}

}  // namespace

HealthChecker::HealthChecker(telemetry::Metrics* metrics, Options options)
    : metrics_(metrics),
      probe_factory_(options.probe_factory ? std::move(options.probe_factory)
                                           : ProbeFactory(&GrpcHealthProbe::ForBackend)),
      run_threads_(options.run_threads) {}

std::shared_ptr<routing::BackendHealth> HealthChecker::Lookup(const std::string& backend) {
  MutexLock lock(&mu_);
  Entry& e = entries_[backend];
  if (e.health == nullptr) e.health = std::make_shared<routing::BackendHealth>();
  return e.health;
}

void HealthChecker::Apply(const config::Config& config) {
  MutexLock lock(&mu_);
  if (stopped_) return;
  absl::flat_hash_set<std::string> configured;
  for (const config::Backend& b : config.backends) {
    configured.insert(b.name);
    Entry& e = entries_[b.name];
    if (e.health == nullptr) e.health = std::make_shared<routing::BackendHealth>();
    if (!b.health.enabled) {
      // Nothing checks it any more: it is healthy for routing, whatever it was.
      if (e.checker != nullptr) e.checker->Stop();
      e.checker.reset();
      e.settings.clear();
      e.health->unhealthy_after.store(0, std::memory_order_relaxed);
      e.health->active_ok.store(true, std::memory_order_relaxed);
      continue;
    }
    e.health->unhealthy_after.store(b.health.unhealthy_after, std::memory_order_relaxed);
    std::string settings = CheckSettings(b, config.proxy.max_message_bytes);
    if (e.checker != nullptr && e.settings == settings) continue;
    // The old checker stops before the new one starts, so one thread at a time writes the
    // verdict; the verdict itself carries over until the new checks say otherwise. The new one
    // is built first, so the backend's series are never released in between.
    auto checker = std::make_unique<BackendChecker>(
        b.name, b.health, e.health, probe_factory_(b, config.proxy.max_message_bytes), metrics_,
        &log_);
    if (e.checker != nullptr) e.checker->Stop();
    e.checker = std::move(checker);
    e.settings = std::move(settings);
    if (run_threads_) e.checker->Start();
  }
  absl::erase_if(entries_, [&configured](const auto& entry) {
    return !configured.contains(entry.first);  // its checker stops as it is destroyed
  });
}

void HealthChecker::CheckAllNow() {
  MutexLock lock(&mu_);
  for (auto& [name, e] : entries_) {
    if (e.checker != nullptr) e.checker->CheckOnce();
  }
}

void HealthChecker::Stop() {
  MutexLock lock(&mu_);
  stopped_ = true;
  for (auto& [name, e] : entries_) {
    if (e.checker != nullptr) e.checker->Stop();
  }
}

}  // namespace modelgate::health
