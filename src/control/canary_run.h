// One canary run's bookkeeping and the pure rule that moves it: given the route's canary block,
// the run so far, the route monitor's latest evaluation and the candidate's health, what the
// gates say and what the run becomes. No clock, no I/O, no threads: the controller
// (canary_controller.h) feeds it and applies its result, and tests drive it on simulated time.
//
// A check happens once per fresh evaluation of the route monitor (its interval_seconds):
//   - health: the candidate backend unhealthy (active checks or passive failures) fails it;
//   - rollback: the step's candidate error rate at or above gates.rollback_error_rate (with at
//     least kMinCallsForRollback candidate calls) rolls back at once;
//   - absolute gates on the current step's window (epoch): error rate and p99, judged once the
//     step has min_requests_per_step candidate calls (before: waiting);
//   - relative gates: the monitor's always-valid comparisons of candidate and legacy (their
//     tolerances come from the monitor block): fail fails the check, inconclusive waits;
//   - sample-ratio mismatch within the step's weight epoch fails the check (the split itself is
//     broken).
// max_failed_checks failed checks over the run roll it back. A step passes when its minimum
// duration and candidate calls are reached and every gate passes; passing the last promotes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "monitor/evaluation.h"
#include "nlohmann/json.hpp"
#include "strategies/canary.h"

namespace modelgate::control {

enum class CanaryState { kProgressing, kWaiting, kPaused, kPromoted, kRolledBack };
std::string CanaryStateName(CanaryState s);  // progressing, waiting, paused, promoted, rolled_back
const std::vector<CanaryState>& AllCanaryStates();

// A catastrophe needs a few calls to be told from bad luck (one failed call of one is 100%).
inline constexpr int64_t kMinCallsForRollback = 20;

struct CanaryRun {
  CanaryState state = CanaryState::kProgressing;
  int step = 0;  // index into the block's steps
  absl::Time step_started_at = absl::InfinitePast();
  int64_t failed_checks = 0;  // over the run
  absl::Time last_evaluation = absl::InfinitePast();  // the evaluation last judged
  std::string reason;  // why the run is in its state (last transition or wait)
  // Paused with all traffic on the legacy (a state that could not be restored); resume or a
  // manual step clears it.
  bool legacy_only = false;

  // The candidate's share in basis points (0..10000) for this run.
  int64_t CandidateShare(const strategies::CanaryBlock& block) const;
  bool terminal() const {
    return state == CanaryState::kPromoted || state == CanaryState::kRolledBack;
  }

  nlohmann::json ToJson() const;
  // InvalidArgument naming the field when the JSON is not a run.
  static absl::StatusOr<CanaryRun> FromJson(const nlohmann::json& j);
};

// One gate's result at one check.
struct GateCheck {
  std::string gate;    // health | rollback_error_rate | max_error_rate | max_latency_p99 |
                       // relative:<metric> | srm
  std::string result;  // pass | fail | wait
  std::string detail;  // the value and its threshold, human readable
};

struct Judgement {
  bool checked = false;      // a fresh evaluation was judged (false: nothing to do yet)
  std::vector<GateCheck> gates;
  bool failed = false;       // the check failed (some gate said fail)
  CanaryRun next;            // the run after this check
  std::string reason;        // why it moved (or waits)
};

// Judges `run` at `now`. `evaluation` may be null (no evaluation yet). The evaluation counts
// only when it was taken after the step began and shows the step's weights; an older one
// leaves the run as is (checked=false). Paused and terminal runs are never judged.
Judgement JudgeCanary(const strategies::CanaryBlock& block, const CanaryRun& run,
                      const monitor::Evaluation* evaluation, bool candidate_healthy,
                      absl::Time now);

}  // namespace modelgate::control
