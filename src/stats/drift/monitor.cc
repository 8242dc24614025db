// DriftMonitor: learning phase, recording, evaluation.
#include "stats/drift/monitor.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace modelgate::stats {

absl::Status ValidateDriftMonitorOptions(const DriftMonitorOptions& o) {
  auto bad = [](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("drift monitor: ", what));
  };
  if (o.reference.num_bins < 2) return bad("reference.num_bins must be >= 2");
  if (o.reference.sample_capacity < 1) return bad("reference.sample_capacity must be >= 1");
  if (o.reference_size < o.reference.num_bins) return bad("reference_size must be >= num_bins");
  if (o.window.sub_window <= absl::ZeroDuration()) return bad("window.sub_window must be > 0");
  if (o.window.num_sub_windows < 1) return bad("window.num_sub_windows must be >= 1");
  if (o.window.sample_capacity < 1) return bad("window.sample_capacity must be >= 1");
  if (o.min_samples < 1) return bad("min_samples must be >= 1");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DriftMonitor>> DriftMonitor::Create(
    const DriftMonitorOptions& options) {
  if (absl::Status s = ValidateDriftMonitorOptions(options); !s.ok()) return s;
  std::unique_ptr<DriftMonitor> m(new DriftMonitor(options));
  absl::MutexLock lock(&m->mu_);
  m->learner_.emplace(options.reference_size, options.reference);
  return m;
}

absl::StatusOr<std::unique_ptr<DriftMonitor>> DriftMonitor::Create(
    std::shared_ptr<const DriftReference> reference, const DriftMonitorOptions& options) {
  if (reference == nullptr) return absl::InvalidArgumentError("drift monitor: null reference");
  if (absl::Status s = ValidateDriftMonitorOptions(options); !s.ok()) return s;
  std::unique_ptr<DriftMonitor> m(new DriftMonitor(options));
  absl::MutexLock lock(&m->mu_);
  m->window_.emplace(reference->bins(), options.window);
  m->reference_ = std::move(reference);
  return m;
}

void DriftMonitor::FreezeLocked() {
  absl::StatusOr<std::shared_ptr<const DriftReference>> ref = learner_->Build();
  if (!ref.ok()) {  // unreachable: options are validated and the learner holds finite values
    learner_.emplace(options_.reference_size, options_.reference);
    return;
  }
  reference_ = *std::move(ref);
  window_.emplace(reference_->bins(), options_.window);
  learner_.reset();
}

void DriftMonitor::Record(double value, absl::Time now) { RecordAll({&value, 1}, now); }

void DriftMonitor::RecordAll(absl::Span<const double> values, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (double value : values) {
    if (learner_.has_value()) {
      if (learner_->Add(value)) FreezeLocked();
      continue;
    }
    window_->Record(value, now);
  }
}

DriftReport DriftMonitor::Evaluate(absl::Time now, bool with_sample_ks) {
  std::shared_ptr<const DriftReference> reference;
  OwnedBinnedCounts current;
  int64_t current_missing = 0;
  std::vector<double> current_sample;
  {
    // Snapshot under the lock (O(K * B) copies); the measures are computed outside it.
    absl::MutexLock lock(&mu_);
    if (learner_.has_value()) {
      DriftReport report;
      report.status = DriftStatus::kLearningReference;
      report.reference_count = learner_->count();
      report.num_bins = options_.reference.num_bins;
      return report;
    }
    window_->Advance(now);
    reference = reference_;
    current = OwnedBinnedCounts::CopyOf(window_->Histogram());
    current_missing = window_->missing_count();
    if (with_sample_ks && window_->count() >= options_.min_samples) {
      current_sample = window_->SortedSample(options_.window.seed + ++evaluations_);
    }
  }
  DriftReport report =
      BuildDriftReport(reference->bins(), reference->histogram(), reference->missing_count(),
                       current.view(), current_missing, reference->stddev(), options_.min_samples);
  if (with_sample_ks) {
    AddSampleKs(report, reference->sorted_sample(), current_sample, options_.sample_ks_method);
  }
  return report;
}

std::shared_ptr<const DriftReference> DriftMonitor::reference() const {
  absl::MutexLock lock(&mu_);
  return reference_;
}

}  // namespace modelgate::stats
