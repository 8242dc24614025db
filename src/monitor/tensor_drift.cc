// TensorDrift: per-arm drift monitors and candidate-vs-reference-arm comparisons of a tensor.
#include "monitor/tensor_drift.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/status_macros.h"

namespace modelgate::monitor {

stats::DriftMonitorOptions DriftOptionsFrom(const config::DriftConfig& drift, uint64_t seed) {
  stats::DriftMonitorOptions o;
  o.reference.num_bins = drift.bins;
  o.reference.seed = seed;
  o.reference_size = drift.reference_samples;
  constexpr int kSubWindows = 10;
  o.window.num_sub_windows = kSubWindows;
  o.window.sub_window =
      std::max(absl::Milliseconds(1), absl::Seconds(drift.window_seconds) / kSubWindows);
  o.window.seed = seed ^ 0x77696e646f77ULL;
  o.min_samples = drift.min_samples;
  o.sample_ks_method = stats::KsPValueMethod::kAsymptotic;
  return o;
}

absl::StatusOr<std::unique_ptr<TensorDrift>> TensorDrift::Create(
    std::string tensor, bool is_output, std::vector<std::string> arm_names, int reference_arm,
    const config::DriftConfig& drift, std::shared_ptr<const stats::DriftReference> file_reference,
    uint64_t seed) {
  std::unique_ptr<TensorDrift> t(new TensorDrift());
  t->tensor_ = std::move(tensor);
  t->is_output_ = is_output;
  t->arm_names_ = std::move(arm_names);
  t->reference_arm_ = reference_arm;
  const size_t arms = t->arm_names_.size();
  for (size_t a = 0; a < arms; ++a) {
    // Distinct seeds per arm, so the arms' reservoirs sample independently.
    const stats::DriftMonitorOptions options = DriftOptionsFrom(drift, seed + 7919 * (a + 1));
    if (file_reference != nullptr) {
      ASSIGN_OR_RETURN(auto m, stats::DriftMonitor::Create(file_reference, options));
      t->per_arm_.push_back(std::move(m));
    } else {
      ASSIGN_OR_RETURN(auto m, stats::DriftMonitor::Create(options));
      t->per_arm_.push_back(std::move(m));
    }
    if (static_cast<int>(a) == reference_arm) {
      t->vs_reference_.push_back(nullptr);
      continue;
    }
    // Without a file the comparison learns its bins from the reference arm's first values,
    // the same values that freeze that arm's own reference, so both use the same bins.
    if (file_reference != nullptr) {
      ASSIGN_OR_RETURN(auto c, stats::ArmDriftComparison::Create(file_reference, options));
      t->vs_reference_.push_back(std::move(c));
    } else {
      ASSIGN_OR_RETURN(auto c, stats::ArmDriftComparison::Create(options));
      t->vs_reference_.push_back(std::move(c));
    }
  }
  return t;
}

void TensorDrift::Record(int arm, absl::Span<const double> values, absl::Time now) {
  if (arm < 0 || arm >= static_cast<int>(per_arm_.size())) return;
  stats::DriftMonitor& own = *per_arm_[static_cast<size_t>(arm)];
  own.RecordAll(values, now);
  if (arm == reference_arm_) {
    for (auto& c : vs_reference_) {
      if (c != nullptr) c->RecordLegacyAll(values, now);
    }
  } else {
    vs_reference_[static_cast<size_t>(arm)]->RecordCandidateAll(values, now);
  }
}

void TensorDrift::Evaluate(absl::Time now, std::vector<DriftRow>* drift,
                           std::vector<DriftRow>* distance) {
  for (size_t a = 0; a < per_arm_.size(); ++a) {
    drift->push_back({arm_names_[a], "reference", per_arm_[a]->Evaluate(now, true)});
    if (vs_reference_[a] != nullptr) {
      distance->push_back({arm_names_[a], arm_names_[static_cast<size_t>(reference_arm_)],
                           vs_reference_[a]->Evaluate(now, true)});
    }
  }
}

}  // namespace modelgate::monitor
