// ArmDriftComparison: two windows over the legacy reference's bins.
#include "stats/drift/compare.h"

#include <utility>
#include <vector>

namespace modelgate::stats {

absl::StatusOr<std::unique_ptr<ArmDriftComparison>> ArmDriftComparison::Create(
    const DriftMonitorOptions& options) {
  if (absl::Status s = ValidateDriftMonitorOptions(options); !s.ok()) return s;
  std::unique_ptr<ArmDriftComparison> c(new ArmDriftComparison(options));
  absl::MutexLock lock(&c->mu_);
  c->learner_.emplace(options.reference_size, options.reference);
  return c;
}

absl::StatusOr<std::unique_ptr<ArmDriftComparison>> ArmDriftComparison::Create(
    std::shared_ptr<const DriftReference> legacy_reference, const DriftMonitorOptions& options) {
  if (legacy_reference == nullptr) {
    return absl::InvalidArgumentError("arm drift comparison: null reference");
  }
  if (absl::Status s = ValidateDriftMonitorOptions(options); !s.ok()) return s;
  std::unique_ptr<ArmDriftComparison> c(new ArmDriftComparison(options));
  absl::MutexLock lock(&c->mu_);
  c->StartLocked(std::move(legacy_reference));
  return c;
}

void ArmDriftComparison::StartLocked(std::shared_ptr<const DriftReference> reference) {
  reference_ = std::move(reference);
  DriftWindowOptions candidate_options = options_.window;
  candidate_options.seed = ~options_.window.seed;  // independent reservoir draws per arm
  legacy_.emplace(reference_->bins(), options_.window);
  candidate_.emplace(reference_->bins(), candidate_options);
  learner_.reset();
}

void ArmDriftComparison::RecordLegacy(double value, absl::Time now) {
  RecordLegacyAll({&value, 1}, now);
}

void ArmDriftComparison::RecordCandidate(double value, absl::Time now) {
  RecordCandidateAll({&value, 1}, now);
}

void ArmDriftComparison::RecordLegacyAll(absl::Span<const double> values, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (double value : values) {
    if (learner_.has_value()) {
      if (!learner_->Add(value)) continue;
      absl::StatusOr<std::shared_ptr<const DriftReference>> ref = learner_->Build();
      if (ref.ok()) {
        StartLocked(*std::move(ref));
      } else {  // unreachable: options are validated and the learner holds finite values
        learner_.emplace(options_.reference_size, options_.reference);
      }
      continue;
    }
    legacy_->Record(value, now);
  }
}

void ArmDriftComparison::RecordCandidateAll(absl::Span<const double> values, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (learner_.has_value()) {
    dropped_while_learning_ += static_cast<int64_t>(values.size());
    return;
  }
  for (double value : values) candidate_->Record(value, now);
}

DriftReport ArmDriftComparison::Evaluate(absl::Time now, bool with_sample_ks) {
  std::shared_ptr<const DriftReference> reference;
  OwnedBinnedCounts legacy, candidate;
  int64_t legacy_missing = 0, candidate_missing = 0;
  std::vector<double> legacy_sample, candidate_sample;
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
    legacy_->Advance(now);
    candidate_->Advance(now);
    reference = reference_;
    legacy = OwnedBinnedCounts::CopyOf(legacy_->Histogram());
    candidate = OwnedBinnedCounts::CopyOf(candidate_->Histogram());
    legacy_missing = legacy_->missing_count();
    candidate_missing = candidate_->missing_count();
    if (with_sample_ks && legacy_->count() >= options_.min_samples &&
        candidate_->count() >= options_.min_samples) {
      ++evaluations_;
      legacy_sample = legacy_->SortedSample(options_.window.seed + evaluations_);
      candidate_sample = candidate_->SortedSample(~options_.window.seed + evaluations_);
    }
  }
  DriftReport report =
      BuildDriftReport(reference->bins(), legacy.view(), legacy_missing, candidate.view(),
                       candidate_missing, reference->stddev(), options_.min_samples);
  if (with_sample_ks) {
    AddSampleKs(report, legacy_sample, candidate_sample, options_.sample_ks_method);
  }
  return report;
}

int64_t ArmDriftComparison::dropped_while_learning() const {
  absl::MutexLock lock(&mu_);
  return dropped_while_learning_;
}

}  // namespace modelgate::stats
