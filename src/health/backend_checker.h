// The active health checks of one backend: every interval, a check with its own deadline on a
// dedicated thread (never on the request path), its verdict written into the backend's shared
// routing::BackendHealth, counted in modelgate_health_checks_total{backend,result}, shown in
// modelgate_backend_healthy{backend} and logged (rate-limited) when it changes.
//
// Thread-safe: Start, CheckOnce and Stop may be called from any thread; checks never overlap.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "common/log_rate_limit.h"
#include "common/mutex.h"
#include "config/config.h"
#include "health/check_tracker.h"
#include "health/health_probe.h"
#include "routing/backend_health.h"
#include "telemetry/metrics.h"

namespace modelgate::health {

class BackendChecker {
 public:
  // `metrics` may be null (no series); `metrics` and `log` must outlive the checker.
  BackendChecker(std::string backend, const config::HealthCheckConfig& settings,
                 std::shared_ptr<routing::BackendHealth> health,
                 std::unique_ptr<HealthProbe> probe, telemetry::Metrics* metrics,
                 KeyedLogRateLimiter* log);
  ~BackendChecker() { Stop(); }
  BackendChecker(const BackendChecker&) = delete;
  BackendChecker& operator=(const BackendChecker&) = delete;

  // Starts the thread: a check at once, then one every interval.
  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  // Runs one check on the caller's thread (tests drive the state machine with it).
  void CheckOnce() ABSL_LOCKS_EXCLUDED(check_mu_);
  // Cancels a check in progress and joins the thread. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  void Report(CheckTracker::Change change, const CheckOutcome& outcome)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(check_mu_);

  const std::string backend_;
  const absl::Duration interval_;
  const absl::Duration timeout_;
  const std::shared_ptr<routing::BackendHealth> health_;
  const std::unique_ptr<HealthProbe> probe_;
  KeyedLogRateLimiter* const log_;
  telemetry::SeriesLease<prometheus::Gauge> healthy_gauge_;
  // modelgate_health_checks_total by CheckResult, resolved once.
  std::array<telemetry::CounterLease, 4> checks_;

  Mutex check_mu_;
  CheckTracker tracker_ ABSL_GUARDED_BY(check_mu_);

  Mutex mu_;
  CondVar wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

}  // namespace modelgate::health
