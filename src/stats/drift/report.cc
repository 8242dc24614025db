// Assembling drift reports, with the minimum-sample gate.
#include "stats/drift/report.h"

#include <algorithm>
#include <numeric>

namespace modelgate::stats {
namespace {

int64_t Sum(absl::Span<const int64_t> counts) {
  return std::accumulate(counts.begin(), counts.end(), int64_t{0});
}

}  // namespace

absl::string_view DriftStatusName(DriftStatus status) {
  switch (status) {
    case DriftStatus::kOk:
      return "ok";
    case DriftStatus::kLearningReference:
      return "learning_reference";
    case DriftStatus::kInsufficientData:
      return "insufficient_data";
  }
  return "unknown";
}

DriftReport BuildDriftReport(const DriftBins& bins, const BinnedCounts& reference,
                             int64_t reference_missing, const BinnedCounts& current,
                             int64_t current_missing, double scale, int64_t min_samples,
                             KsPValueMethod binned_ks_method) {
  DriftReport r;
  r.num_bins = bins.num_bins();
  r.reference_count = Sum(reference.counts);
  r.current_count = Sum(current.counts);
  r.reference_missing = reference_missing;
  r.current_missing = current_missing;
  if (r.reference_count > 0 && r.current_count > 0) {
    r.psi_noise_floor = (r.num_bins - 1) * (1.0 / static_cast<double>(r.reference_count) +
                                            1.0 / static_cast<double>(r.current_count));
  }
  const int64_t gate = std::max<int64_t>(1, min_samples);
  if (r.reference_count < gate || r.current_count < gate) {
    r.status = DriftStatus::kInsufficientData;
    return r;
  }
  absl::StatusOr<BinnedDrift> d = CompareBinned(bins, reference, current, binned_ks_method);
  if (!d.ok()) {  // only on mismatched bins: a programming error upstream; report no judgement
    r.status = DriftStatus::kInsufficientData;
    return r;
  }
  r.status = DriftStatus::kOk;
  r.psi = d->psi;
  r.js_distance = d->js_distance;
  r.ks_statistic_binned = d->ks_statistic;
  r.ks_pvalue_binned = d->ks_pvalue;
  r.w1_binned = d->w1;
  r.w1_error_bound = d->w1_error_bound;
  r.w1_normalized = d->w1 / std::max(scale, 0.001);
  return r;
}

void AddSampleKs(DriftReport& report, absl::Span<const double> reference_sorted,
                 absl::Span<const double> current_sorted, KsPValueMethod method) {
  if (report.status != DriftStatus::kOk) return;
  absl::StatusOr<KsResult> ks = KsTwoSampleSorted(reference_sorted, current_sorted, method);
  if (ks.ok()) report.ks_sample = *ks;
}

}  // namespace modelgate::stats
