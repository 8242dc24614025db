// ClusteredRatio: bucket sums and the delta-method variance; see clustered_ratio.h.
#include "stats/clustered_ratio.h"

#include <algorithm>

namespace modelgate::stats {

ClusteredRatio::ClusteredRatio(int num_buckets)
    : sums_(static_cast<size_t>(std::max(num_buckets, 0)), 0.0),
      counts_(static_cast<size_t>(std::max(num_buckets, 0)), 0.0) {}

void ClusteredRatio::Merge(const ClusteredRatio& other) {
  if (other.sums_.size() != sums_.size()) return;  // differently configured: nothing to merge
  for (size_t k = 0; k < sums_.size(); ++k) {
    sums_[k] += other.sums_[k];
    counts_[k] += other.counts_[k];
  }
}

void ClusteredRatio::Clear() {
  std::fill(sums_.begin(), sums_.end(), 0.0);
  std::fill(counts_.begin(), counts_.end(), 0.0);
}

RatioEstimate ClusteredRatio::Estimate() const {
  RatioEstimate e;
  double total_sum = 0.0;
  for (size_t k = 0; k < sums_.size(); ++k) {
    if (counts_[k] <= 0) continue;
    ++e.clusters;
    total_sum += sums_[k];
    e.count += counts_[k];
  }
  if (e.count <= 0) return e;
  e.mean = total_sum / e.count;
  if (e.clusters < 2) return e;
  double ss = 0.0;
  for (size_t k = 0; k < sums_.size(); ++k) {
    const double d = sums_[k] - e.mean * counts_[k];
    ss += d * d;
  }
  const double g = static_cast<double>(e.clusters);
  e.variance_of_mean = g / (g - 1.0) * ss / (e.count * e.count);
  e.computable = true;
  return e;
}

}  // namespace modelgate::stats
