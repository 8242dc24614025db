// Active health check verdicts; see check_tracker.h.
#include "health/check_tracker.h"

#include <utility>

namespace modelgate::health {

absl::string_view CheckResultName(CheckResult result) {
  switch (result) {
    case CheckResult::kServing: return "serving";
    case CheckResult::kNotServing: return "not_serving";
    case CheckResult::kTimeout: return "timeout";
    case CheckResult::kError: return "error";
  }
  return "error";
}

CheckTracker::CheckTracker(std::shared_ptr<routing::BackendHealth> health, int unhealthy_after)
    : health_(std::move(health)),
      unhealthy_after_(unhealthy_after < 1 ? 1 : unhealthy_after),
      reported_healthy_(health_->healthy()) {}

CheckTracker::Change CheckTracker::Record(CheckResult result) {
  if (result == CheckResult::kServing) {
    failed_in_a_row_ = 0;
    // The backend just answered: calls that failed to reach it before no longer count.
    health_->consecutive_failures.store(0, std::memory_order_relaxed);
    health_->active_ok.store(true, std::memory_order_relaxed);
  } else {
    ++failed_in_a_row_;
    if (failed_in_a_row_ >= unhealthy_after_) {
      health_->active_ok.store(false, std::memory_order_relaxed);
    }
  }
  const bool healthy = health_->healthy();
  if (healthy == reported_healthy_) return Change::kNone;
  reported_healthy_ = healthy;
  return healthy ? Change::kBecameHealthy : Change::kBecameUnhealthy;
}

}  // namespace modelgate::health
