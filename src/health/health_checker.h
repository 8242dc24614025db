// The registry of backend health: one routing::BackendHealth per backend name, the same object
// for the same name across reloads (routes compiled into every snapshot hold it; pass Lookup as
// strategies::HealthLookup), and the active checks of every backend whose config has a
// `health` block (backend_checker.h). Apply takes each new config: checks start, stop or are
// retuned when a backend's address, channel settings or health settings change, and backends no
// longer configured are dropped (their series with them).
//
// For backends with checks it also sets BackendHealth::unhealthy_after, which lets the data
// plane's passive signal (calls that could not reach the backend) divert traffic too; backends
// without checks never get it, since nothing would bring them back.
//
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "common/log_rate_limit.h"
#include "common/mutex.h"
#include "config/config.h"
#include "health/backend_checker.h"
#include "health/health_probe.h"
#include "routing/backend_health.h"
#include "telemetry/metrics.h"

namespace modelgate::health {

class HealthChecker {
 public:
  using ProbeFactory = std::function<std::unique_ptr<HealthProbe>(
      const config::Backend& backend, int64_t max_message_bytes)>;
  struct Options {
    // Makes each backend's probe; empty: GrpcHealthProbe::ForBackend.
    ProbeFactory probe_factory;
    // false: no threads; checks run only when CheckAllNow is called (deterministic tests).
    bool run_threads = true;
  };

  // `metrics` may be null; it must outlive the checker.
  explicit HealthChecker(telemetry::Metrics* metrics) : HealthChecker(metrics, Options()) {}
  HealthChecker(telemetry::Metrics* metrics, Options options);
  ~HealthChecker() { Stop(); }
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // The health of `backend`, created (healthy) if it is not known yet.
  std::shared_ptr<routing::BackendHealth> Lookup(const std::string& backend)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Makes the checks match `config`'s backends. Call it once the config serves (after the
  // snapshot swap), so a rejected reload leaves the checks as they are.
  void Apply(const config::Config& config) ABSL_LOCKS_EXCLUDED(mu_);

  // Runs one check of every backend with checks, in turn on the caller's thread.
  void CheckAllNow() ABSL_LOCKS_EXCLUDED(mu_);

  // Stops every check (and refuses to start more). Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    std::shared_ptr<routing::BackendHealth> health;
    std::string settings;  // what the running checker was built from ("" = none)
    std::unique_ptr<BackendChecker> checker;
  };

  telemetry::Metrics* const metrics_;
  const ProbeFactory probe_factory_;
  const bool run_threads_;
  // Transitions per backend: a flapping backend cannot flood the log.
  KeyedLogRateLimiter log_{6, std::chrono::minutes(1)};
  Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace modelgate::health
