// What a drift monitor reports: sample sizes, a status that says when there is too little data to
// judge, and the drift measures (binned PSI / JS / KS / W1, optionally the exact KS test on raw
// samples). Plus the function that assembles a report from two histograms over shared bins.
// Plain values and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "stats/drift/binned.h"
#include "stats/drift/bins.h"
#include "stats/drift/ks.h"

namespace modelgate::stats {

enum class DriftStatus {
  kOk,                 // measures are filled in
  kLearningReference,  // the reference is still being collected from the first N values
  kInsufficientData,   // a side has fewer than min_samples values: no judgement
};

// "ok", "learning_reference", "insufficient_data" (for JSON / metric labels).
absl::string_view DriftStatusName(DriftStatus status);

struct DriftReport {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  DriftStatus status = DriftStatus::kInsufficientData;
  int64_t reference_count = 0;    // finite values on the reference side
  int64_t current_count = 0;      // finite values on the current side
  int64_t reference_missing = 0;  // non-finite values (NaN, +-inf), excluded from the measures
  int64_t current_missing = 0;
  int num_bins = 0;
  // (B-1)(1/n + 1/m): the PSI expected from sampling noise alone at these sizes. A PSI near
  // this value is no evidence of drift, whatever the 0.1 / 0.25 rule of thumb says.
  double psi_noise_floor = kNaN;

  // The measures below are NaN unless status == kOk (never a guess on too little data).
  double psi = kNaN;
  double js_distance = kNaN;
  double ks_statistic_binned = kNaN;  // lower bound of the exact KS D
  double ks_pvalue_binned = kNaN;     // conservative (>= the exact-D p-value)
  double w1_binned = kNaN;            // lower bound of the exact W1, in data units
  double w1_error_bound = kNaN;       // exact W1 <= w1_binned + w1_error_bound
  // w1_binned / max(reference stddev, 0.001): Evidently's normed Wasserstein (threshold 0.1).
  double w1_normalized = kNaN;
  // Exact KS statistic and p-value on the raw-value samples (reservoirs), when requested.
  std::optional<KsResult> ks_sample;
};

// Fills a report comparing `current` with `reference` over `bins`. `scale` is the reference
// standard deviation used to normalise W1. Status is kInsufficientData when either side has
// fewer than `min_samples` (>= 1) values.
DriftReport BuildDriftReport(const DriftBins& bins, const BinnedCounts& reference,
                             int64_t reference_missing, const BinnedCounts& current,
                             int64_t current_missing, double scale, int64_t min_samples,
                             KsPValueMethod binned_ks_method = KsPValueMethod::kAsymptotic);

// Adds the exact KS test on raw samples (sorted ascending) to a kOk report; no-op otherwise or
// when a sample is empty.
void AddSampleKs(DriftReport& report, absl::Span<const double> reference_sorted,
                 absl::Span<const double> current_sorted, KsPValueMethod method);

}  // namespace modelgate::stats
