// Live drift monitoring of one stream of values (one arm's model output or input feature) against
// its reference: the reference is a frozen window (the first N values) or a given
// DriftReference (e.g. loaded from a file); the current side is a sliding window of bounded size.
// Evaluate() returns PSI, JS distance, binned KS and W1 in O(B), and on request the exact KS test
// on bounded raw-value samples.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/types/span.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "stats/drift/ks.h"
#include "stats/drift/reference.h"
#include "stats/drift/report.h"
#include "stats/drift/window.h"

namespace modelgate::stats {

struct DriftMonitorOptions {
  // Bins (B, deciles by default) and the raw sample kept from the reference. Ignored when the
  // monitor is given a ready DriftReference.
  DriftReferenceOptions reference;
  // N: the first N finite values freeze the reference (when none is given).
  int64_t reference_size = 10000;
  DriftWindowOptions window;
  // No measure is reported until both sides have this many finite values. Why: with no drift,
  // E[PSI] ~ (B-1)(1/n + 1/m), i.e. 0.18 at n = m = 100 with deciles — a "moderate drift" alarm
  // from noise alone — but 0.018 at n = m = 1000, well below the 0.1 threshold.
  int64_t min_samples = 1000;
  // p-value method of the optional exact KS test on raw samples.
  KsPValueMethod sample_ks_method = KsPValueMethod::kAuto;
};

// InvalidArgument naming the first bad field.
absl::Status ValidateDriftMonitorOptions(const DriftMonitorOptions& options);

// Thread-safe: all methods may be called concurrently; one internal mutex serialises them.
// Record() holds it for O(log B) work (amortised; see DriftWindow) and, past the learning phase,
// never allocates. Freezing the reference happens once, inside the Record() call that completes
// it (O(N log N)). Evaluate() only snapshots the window under the lock (O(K * B), plus the
// reservoirs when the exact KS test is requested) and computes the measures outside it.
class DriftMonitor {
 public:
  // Learns the reference from the first options.reference_size values.
  static absl::StatusOr<std::unique_ptr<DriftMonitor>> Create(const DriftMonitorOptions& options);
  // Compares with `reference` from the first value on.
  static absl::StatusOr<std::unique_ptr<DriftMonitor>> Create(
      std::shared_ptr<const DriftReference> reference, const DriftMonitorOptions& options);

  DriftMonitor(const DriftMonitor&) = delete;
  DriftMonitor& operator=(const DriftMonitor&) = delete;

  // `now` is the caller's clock (the window rotates on it). Non-finite values (NaN, +-inf) are
  // counted as missing.
  void Record(double value, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // The same for every value of a tensor, under one lock acquisition.
  void RecordAll(absl::Span<const double> values, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

  DriftReport Evaluate(absl::Time now, bool with_sample_ks = false) ABSL_LOCKS_EXCLUDED(mu_);

  // Null while the reference is still being learned.
  std::shared_ptr<const DriftReference> reference() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit DriftMonitor(const DriftMonitorOptions& options) : options_(options) {}
  void FreezeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DriftMonitorOptions options_;
  mutable absl::Mutex mu_;
  std::optional<DriftReferenceLearner> learner_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const DriftReference> reference_ ABSL_GUARDED_BY(mu_);
  std::optional<DriftWindow> window_ ABSL_GUARDED_BY(mu_);
  uint64_t evaluations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace modelgate::stats
