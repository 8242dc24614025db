// Candidate-vs-legacy distribution distance: two live sliding windows (one per arm), both counted
// into the bins of the legacy arm's reference, compared with the same measures as DriftMonitor
// (legacy window in the reference role). Answers "do the two models' outputs differ right now?",
// independently of whether either has drifted from its own past.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/types/span.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "stats/drift/monitor.h"
#include "stats/drift/reference.h"
#include "stats/drift/report.h"
#include "stats/drift/window.h"

namespace modelgate::stats {

// Thread-safe, with the same costs as DriftMonitor: Record*() is O(log B) amortised under one
// mutex and does not allocate once the bins exist.
class ArmDriftComparison {
 public:
  // Learns the shared bins from the legacy arm's first options.reference_size values; candidate
  // values recorded before that are dropped (counted in dropped_while_learning()).
  static absl::StatusOr<std::unique_ptr<ArmDriftComparison>> Create(
      const DriftMonitorOptions& options);
  // Uses the bins (and, for W1 normalisation, the spread) of the legacy arm's reference, e.g.
  // DriftMonitor::reference() of the legacy arm once it is frozen, or a file.
  static absl::StatusOr<std::unique_ptr<ArmDriftComparison>> Create(
      std::shared_ptr<const DriftReference> legacy_reference, const DriftMonitorOptions& options);

  ArmDriftComparison(const ArmDriftComparison&) = delete;
  ArmDriftComparison& operator=(const ArmDriftComparison&) = delete;

  void RecordLegacy(double value, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordCandidate(double value, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // The same for every value of a tensor, under one lock acquisition.
  void RecordLegacyAll(absl::Span<const double> values, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordCandidateAll(absl::Span<const double> values, absl::Time now)
      ABSL_LOCKS_EXCLUDED(mu_);

  // reference_* fields describe the legacy window, current_* the candidate window.
  DriftReport Evaluate(absl::Time now, bool with_sample_ks = false) ABSL_LOCKS_EXCLUDED(mu_);

  int64_t dropped_while_learning() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit ArmDriftComparison(const DriftMonitorOptions& options) : options_(options) {}
  void StartLocked(std::shared_ptr<const DriftReference> reference)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DriftMonitorOptions options_;
  mutable absl::Mutex mu_;
  std::optional<DriftReferenceLearner> learner_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const DriftReference> reference_ ABSL_GUARDED_BY(mu_);
  std::optional<DriftWindow> legacy_ ABSL_GUARDED_BY(mu_);
  std::optional<DriftWindow> candidate_ ABSL_GUARDED_BY(mu_);
  int64_t dropped_while_learning_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t evaluations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace modelgate::stats
