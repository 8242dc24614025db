// Quantile edges and edge validation for DriftBins.
#include "stats/drift/bins.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace modelgate::stats {

absl::StatusOr<DriftBins> DriftBins::FromQuantiles(absl::Span<const double> values, int num_bins) {
  if (num_bins < 2) {
    return absl::InvalidArgumentError(absl::StrCat("drift bins: need >= 2 bins, got ", num_bins));
  }
  std::vector<double> sorted;
  sorted.reserve(values.size());
  for (double v : values) {
    if (std::isfinite(v)) sorted.push_back(v);
  }
  if (sorted.empty()) {
    return absl::InvalidArgumentError("drift bins: reference has no finite value");
  }
  std::sort(sorted.begin(), sorted.end());
  const double last = static_cast<double>(sorted.size() - 1);
  std::vector<double> edges;
  edges.reserve(num_bins - 1);
  for (int k = 1; k < num_bins; ++k) {
    const double h = last * k / num_bins;
    const size_t lo = static_cast<size_t>(std::floor(h));
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double edge = sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
    if (edges.empty() || edge > edges.back()) edges.push_back(edge);
  }
  return DriftBins(std::move(edges));
}

absl::StatusOr<DriftBins> DriftBins::FromEdges(std::vector<double> interior_edges) {
  if (interior_edges.empty()) {
    return absl::InvalidArgumentError("drift bins: need at least one interior edge");
  }
  for (size_t i = 0; i < interior_edges.size(); ++i) {
    if (!std::isfinite(interior_edges[i])) {
      return absl::InvalidArgumentError(absl::StrCat("drift bins: edge ", i, " is not finite"));
    }
    if (i > 0 && !(interior_edges[i] > interior_edges[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("drift bins: edges must increase strictly (edge ", i, ")"));
    }
  }
  return DriftBins(std::move(interior_edges));
}

}  // namespace modelgate::stats
