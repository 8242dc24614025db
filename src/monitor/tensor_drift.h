// TensorDrift: drift monitoring of one tensor (the monitored model output, or one input
// feature) across the arms of a route. For every arm, a DriftMonitor compares the arm's current
// window with the arm's own reference (its first drift.reference_samples values, or a reference
// loaded from a file); for every non-reference arm, an ArmDriftComparison compares the arm's
// window with the reference arm's window over the reference arm's bins ("do the two models'
// outputs differ right now?").
//
// Thread-safety: thread-safe (the stats monitors lock internally); Record and Evaluate are
// normally both called on the monitor thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "config/config.h"
#include "stats/drift/compare.h"
#include "stats/drift/monitor.h"
#include "stats/drift/reference.h"
#include "stats/drift/report.h"

namespace modelgate::monitor {

// One report row: `arm` vs its own reference (drift) or vs the reference arm (distance).
struct DriftRow {
  std::string arm;
  std::string against;  // "reference" (drift) or the reference arm's name (distance)
  stats::DriftReport report;
};

// Window and reference settings from the route's drift config. The window is drift.window_seconds
// long, kept as 10 sub-windows; the exact KS test on the raw samples uses SciPy's asymptotic
// method (the samples are hundreds to thousands of values, where it is accurate and O(n + m)).
stats::DriftMonitorOptions DriftOptionsFrom(const config::DriftConfig& drift, uint64_t seed);

class TensorDrift {
 public:
  // `file_reference`, when set, is every arm's reference (and gives the bins of the arm
  // comparison); otherwise each arm learns its own. Errors: invalid drift options (e.g. more
  // bins than reference samples).
  static absl::StatusOr<std::unique_ptr<TensorDrift>> Create(
      std::string tensor, bool is_output, std::vector<std::string> arm_names, int reference_arm,
      const config::DriftConfig& drift, std::shared_ptr<const stats::DriftReference> file_reference,
      uint64_t seed);

  void Record(int arm, absl::Span<const double> values, absl::Time now);

  // Appends one drift row per arm and one distance row per non-reference arm.
  void Evaluate(absl::Time now, std::vector<DriftRow>* drift, std::vector<DriftRow>* distance);

  // The configured name ("" = the model's first output).
  const std::string& tensor() const { return tensor_; }
  bool is_output() const { return is_output_; }

 private:
  TensorDrift() = default;

  std::string tensor_;
  bool is_output_ = true;
  std::vector<std::string> arm_names_;
  int reference_arm_ = 0;
  std::vector<std::unique_ptr<stats::DriftMonitor>> per_arm_;
  // Indexed by arm; null for the reference arm.
  std::vector<std::unique_ptr<stats::ArmDriftComparison>> vs_reference_;
};

}  // namespace modelgate::monitor
