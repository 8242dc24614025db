// ClusteredRatio: bucket sums and the delta-method variance; see clustered_ratio.h.
#include "stats/hypothesis/clustered_ratio.h"

#include <algorithm>

namespace modelgate::stats {

namespace {
size_t PowerOfTwoAtLeast(int n) {
  if (n <= 0) return 0;
  size_t p = 1;
  while (p < static_cast<size_t>(n)) p <<= 1;
  return p;
}
}  // namespace

ClusteredRatio::ClusteredRatio(int num_buckets)
    : sums_(PowerOfTwoAtLeast(num_buckets), 0.0),
      counts_(sums_.size(), 0.0),
      mask_(sums_.empty() ? 0 : sums_.size() - 1) {}

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
  // Delete-one-bucket means (every N - N_k > 0 since another bucket holds data), then their
  // spread; two passes keep it numerically stable.
  double sum_loo = 0.0;
  for (size_t k = 0; k < sums_.size(); ++k) {
    if (counts_[k] <= 0) continue;
    sum_loo += (total_sum - sums_[k]) / (e.count - counts_[k]);
  }
  const double g = static_cast<double>(e.clusters);
  const double mean_loo = sum_loo / g;
  double ss = 0.0;
  for (size_t k = 0; k < sums_.size(); ++k) {
    if (counts_[k] <= 0) continue;
    const double d = (total_sum - sums_[k]) / (e.count - counts_[k]) - mean_loo;
    ss += d * d;
  }
  e.variance_of_mean = (g - 1.0) / g * ss;
  e.computable = true;
  return e;
}

}  // namespace modelgate::stats
