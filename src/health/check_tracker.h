// The state machine of one backend's active health checks, apart from any timer or socket so it
// is tested by feeding it results: `unhealthy_after` failed checks in a row take the backend out
// of routing, and one passing check brings it back at once. A passing check also clears the data
// plane's count of calls that could not reach the backend (the passive signal), since the backend
// has just answered. It writes the verdict into the shared routing::BackendHealth and reports
// when the routing verdict (active and passive together) changes, for the gauge and the log.
//
// Thread-compatible: one checker thread drives it; the request path only reads BackendHealth.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "routing/backend_health.h"

namespace modelgate::health {

enum class CheckResult {
  kServing,     // OK and SERVING
  kNotServing,  // OK, any other serving status
  kTimeout,     // DEADLINE_EXCEEDED
  kError,       // any other failed RPC (unreachable, unknown service, ...)
};

// The metrics label of a result: serving, not_serving, timeout, error.
absl::string_view CheckResultName(CheckResult result);

struct CheckOutcome {
  CheckResult result = CheckResult::kError;
  std::string detail;  // what went wrong, for the log ("" when serving)
};

class CheckTracker {
 public:
  enum class Change { kNone, kBecameUnhealthy, kBecameHealthy };

  // `health` must not be null; `unhealthy_after` >= 1. The backend starts healthy (traffic is
  // not withheld from a backend nobody has checked yet).
  CheckTracker(std::shared_ptr<routing::BackendHealth> health, int unhealthy_after);

  // Applies one check's result; returns how the routing verdict changed since the last change
  // reported (so a passive dip that a passing check clears is not reported twice).
  Change Record(CheckResult result);

  // Failed checks in a row (0 after a passing one).
  int64_t failed_in_a_row() const { return failed_in_a_row_; }
  // The routing verdict as last reported.
  bool reported_healthy() const { return reported_healthy_; }

 private:
  const std::shared_ptr<routing::BackendHealth> health_;
  const int unhealthy_after_;
  int64_t failed_in_a_row_ = 0;
  bool reported_healthy_;
};

}  // namespace modelgate::health
