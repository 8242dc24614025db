// One backend's check loop and how its verdicts are reported; see backend_checker.h.
#include "health/backend_checker.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace modelgate::health {

BackendChecker::BackendChecker(std::string backend, const config::HealthCheckConfig& settings,
                               std::shared_ptr<routing::BackendHealth> health,
                               std::unique_ptr<HealthProbe> probe, telemetry::Metrics* metrics,
                               KeyedLogRateLimiter* log)
    : backend_(std::move(backend)),
      interval_(absl::Seconds(settings.interval_seconds)),
      timeout_(absl::Seconds(settings.timeout_seconds)),
      health_(health),
      probe_(std::move(probe)),
      log_(log),
      tracker_(std::move(health), settings.unhealthy_after) {
  if (metrics != nullptr) {
    healthy_gauge_ = metrics->BackendHealthy(backend_);
    healthy_gauge_->Set(health_->healthy() ? 1 : 0);
    for (CheckResult r : {CheckResult::kServing, CheckResult::kNotServing, CheckResult::kTimeout,
                          CheckResult::kError}) {
      checks_[static_cast<size_t>(r)] =
          metrics->HealthChecks(backend_, std::string(CheckResultName(r)));
    }
  }
}

void BackendChecker::Start() {
  MutexLock lock(&mu_);
  if (stopping_ || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void BackendChecker::Stop() {
  std::thread thread;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    thread = std::move(thread_);
  }
  probe_->Cancel();
  wake_.NotifyAll();
  if (thread.joinable()) thread.join();
}

void BackendChecker::Run() {
  while (true) {
    // The schedule is kept from the start of each check, so a slow answer does not stretch it.
    const auto next = std::chrono::steady_clock::now() +
                      std::chrono::ceil<std::chrono::steady_clock::duration>(
                          absl::ToChronoNanoseconds(interval_));
    CheckOnce();
    MutexLock lock(&mu_);
    while (!stopping_ && wake_.WaitUntil(&mu_, next)) {
    }
    if (stopping_) return;
  }
}

void BackendChecker::CheckOnce() {
  const CheckOutcome outcome = probe_->Check(timeout_);
  MutexLock lock(&check_mu_);
  checks_[static_cast<size_t>(outcome.result)].Increment();
  const CheckTracker::Change change = tracker_.Record(outcome.result);
  if (healthy_gauge_.get() != nullptr) healthy_gauge_->Set(tracker_.reported_healthy() ? 1 : 0);
  Report(change, outcome);
}

void BackendChecker::Report(CheckTracker::Change change, const CheckOutcome& outcome) {
  if (change == CheckTracker::Change::kNone) return;
  if (change == CheckTracker::Change::kBecameHealthy) {
    MG_LOG_KEYED(*log_, backend_, kInfo, "backend \"", backend_,
                 "\" is healthy again: a health check passed; it takes traffic again");
    return;
  }
  std::string reason;
  if (!health_->active_ok.load(std::memory_order_relaxed)) {
    const int64_t failed = tracker_.failed_in_a_row();
    reason = absl::StrCat(failed, failed == 1 ? " health check" : " health checks",
                          " in a row failed (last: ",
                          CheckResultName(outcome.result), ": ", outcome.detail, ")");
  } else {
    reason = absl::StrCat(health_->consecutive_failures.load(std::memory_order_relaxed),
                          " calls in a row could not reach it, and the last health check "
                          "failed too (", CheckResultName(outcome.result), ": ", outcome.detail,
                          ")");
  }
  MG_LOG_KEYED(*log_, backend_, kWarning, "backend \"", backend_,
               "\" is unhealthy: its traffic goes to the reference arm: ", reason);
}

}  // namespace modelgate::health
