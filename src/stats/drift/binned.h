// Drift measures computed from two histograms over the same DriftBins, in O(B) time and without
// the raw values: PSI, Jensen–Shannon distance, a lower bound on the KS statistic (with its
// conservative p-value) and a lower bound on Wasserstein-1 with a guaranteed error bound.
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "stats/drift/bins.h"
#include "stats/drift/ks.h"

namespace modelgate::stats {

// A histogram of finite values over some DriftBins: counts, the sum of each bin's values (as
// offsets from DriftBins::Anchor, for precision) and the range of the values (to close the open
// end bins for W1). A view: it does not own the spans.
struct BinnedCounts {
  absl::Span<const int64_t> counts;      // one per bin
  absl::Span<const double> offset_sums;  // one per bin: sum of (value - bins.Anchor(bin))
  double min = std::numeric_limits<double>::infinity();   // smallest value counted
  double max = -std::numeric_limits<double>::infinity();  // largest value counted
};

// An owning copy of a BinnedCounts, so a monitor can snapshot its window under its lock and
// compute the measures (whose KS p-value can take milliseconds for huge n) outside it.
struct OwnedBinnedCounts {
  std::vector<int64_t> counts;
  std::vector<double> offset_sums;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  static OwnedBinnedCounts CopyOf(const BinnedCounts& h) {
    return {{h.counts.begin(), h.counts.end()},
            {h.offset_sums.begin(), h.offset_sums.end()},
            h.min,
            h.max};
  }
  BinnedCounts view() const { return {counts, offset_sums, min, max}; }
};

struct BinnedDrift {
  int64_t n = 0;  // values in the reference histogram
  int64_t m = 0;  // values in the current histogram
  // Population Stability Index with the epsilon rule of PopulationStabilityIndex().
  double psi = 0.0;
  // Jensen–Shannon distance (natural log), in [0, sqrt(ln 2)].
  double js_distance = 0.0;
  // max_k |F(e_k) - G(e_k)| over the interior edges. Both CDFs are exact at the edges, and the
  // exact statistic is a supremum over all points including these, so this never exceeds the
  // exact D of the raw samples: a lower bound, tight when the bins are fine where F and G
  // differ most.
  double ks_statistic = 0.0;
  // KS p-value of ks_statistic (conservative: never below the p-value of the exact D with the
  // same method).
  double ks_pvalue = 1.0;
  // W1 = integral |F - G|, from the histograms: sum over bins of |integral over the bin of
  // (F - G)|. Each bin's integral is exact — it only needs the CDFs at the bin's ends and the
  // sum of the values inside (for a bin [a, b]: integral of F = F(a)(b - a) + sum(b - x_i)/n).
  // The open end bins are closed at the smallest / largest value seen on either side, so no
  // mass lies outside. The result is a lower bound of the exact W1, and equal to it whenever
  // F - G keeps its sign within every bin (e.g. a pure location shift).
  double w1 = 0.0;
  // Guaranteed: w1 <= exact W1 <= w1 + w1_error_bound. In a bin where F - G may change sign
  // (its range [F(a) - G(b), F(b) - G(a)] contains 0), the loss from |integral| vs integral of
  // |.| is at most 2 * width * min(F(b) - G(a), G(b) - F(a)).
  double w1_error_bound = 0.0;
};

// Compares `current` with `reference` (same bins). InvalidArgument if the counts or sums do not
// match `bins` in length, a count is negative, or either histogram is empty.
absl::StatusOr<BinnedDrift> CompareBinned(const DriftBins& bins, const BinnedCounts& reference,
                                          const BinnedCounts& current,
                                          KsPValueMethod ks_method = KsPValueMethod::kAsymptotic);

}  // namespace modelgate::stats
