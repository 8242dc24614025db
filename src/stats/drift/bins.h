// Fixed bin edges for drift monitoring, frozen from a reference: B bins at the reference's
// quantiles (deciles by default), the first and last bins open-ended so that any value has a bin.
// Counting live traffic into frozen bins is what keeps drift monitors O(B) in memory.
// Immutable after construction, hence thread-safe.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace modelgate::stats {

class DriftBins {
 public:
  // Interior edges at the quantiles k/B, k = 1..B-1, of the finite values (linear interpolation
  // between order statistics, numpy's default), duplicates removed: heavy ties (discrete data)
  // merge bins, so num_bins() can be less than `num_bins`. NaN and +-inf are ignored.
  // The first and last bins are open-ended: any value has a bin.
  // InvalidArgument when num_bins < 2 or there is no finite value.
  static absl::StatusOr<DriftBins> FromQuantiles(absl::Span<const double> values, int num_bins);

  // Explicit interior edges: finite and strictly increasing, at least one.
  static absl::StatusOr<DriftBins> FromEdges(std::vector<double> interior_edges);

  // Bins are (-inf, e_0), [e_0, e_1), ..., [e_{B-2}, +inf).
  int num_bins() const { return static_cast<int>(edges_.size()) + 1; }
  absl::Span<const double> edges() const { return edges_; }

  // Bin of a non-NaN value (callers count NaN separately): the number of edges <= x.
  // O(log B), no allocation.
  int Locate(double x) const {
    return static_cast<int>(std::upper_bound(edges_.begin(), edges_.end(), x) - edges_.begin());
  }

  // A finite point of bin `bin` (its lower edge; the first edge for the first bin). Histograms
  // accumulate values as offsets from it so that per-bin sums keep their precision even when
  // the data sit far from 0.
  double Anchor(int bin) const { return edges_[bin == 0 ? 0 : bin - 1]; }

 private:
  explicit DriftBins(std::vector<double> edges) : edges_(std::move(edges)) {}
  std::vector<double> edges_;
};

}  // namespace modelgate::stats
