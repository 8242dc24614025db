// ClusteredRatio: the mean of a per-request metric (latency, error indicator) when requests are
// NOT independent because they come from the same users, with a variance that stays honest.
//
// On a sticky route the unit of randomisation is the user, and one user's requests are
// correlated (the same inputs, the same client, the same network). Treating requests as
// independent understates the variance of a mean, and tests built on it reject far more often
// than alpha (tests/stats/hypothesis/clustered_ratio_test.cc measures it). With users hashed into K
// buckets (a bucket's users are independent of every other bucket's), the bucket sums S_k of the
// values and N_k of the requests give the ratio mean R = sum S_k / sum N_k and, as its variance,
// the delete-one-bucket jackknife over the G buckets that hold data:
//     R_-k = (S - S_k) / (N - N_k),   Var(R) = (G-1)/G * sum_k (R_-k - mean_k R_-k)^2.
// Why the jackknife rather than the plain delta method (G/(G-1) sum (S_k - R N_k)^2 / N^2): the
// latter is biased low when one bucket holds a large share h of the requests (its residual
// shrinks by ~(1-h), because R leans toward that bucket), so one very heavy user could still
// fake significance; the jackknife corrects that leverage (it is the CR3 cluster-robust
// variance of a mean). With one request per bucket both reduce exactly to s^2/n. The buckets,
// not the users, are stored: memory is 2K doubles whatever the traffic, and a bucket holding
// several users is still a sum of independent users.
//
// Thread-compatible; mergeable (same K).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace modelgate::stats {

struct RatioEstimate {
  bool computable = false;  // at least 2 buckets hold data and the total count is > 0
  double mean = 0.0;
  double variance_of_mean = 0.0;  // jackknife variance of `mean` over buckets
  int64_t clusters = 0;           // G: buckets holding data
  double count = 0.0;             // sum N_k
};

class ClusteredRatio {
 public:
  // `num_buckets` is rounded up to a power of two (the bucket is then key & (K-1)); 0 disables.
  explicit ClusteredRatio(int num_buckets = 0);

  // One observation from the unit whose stable hash is `unit_key` (its low bits pick the
  // bucket; the sticky split uses the high bits, so buckets and arms are independent).
  void Add(uint64_t unit_key, double value) {
    if (sums_.empty()) return;
    const size_t k = static_cast<size_t>(unit_key & mask_);
    sums_[k] += value;
    counts_[k] += 1.0;
  }

  // Revises an observation already added for `unit_key` by `delta` (its new value minus its
  // old one): the bucket's sum changes, its count does not. For values that can change after
  // they were first recorded, e.g. an interleaved impression's outcome after a later click.
  void Adjust(uint64_t unit_key, double delta) {
    if (sums_.empty()) return;
    sums_[static_cast<size_t>(unit_key & mask_)] += delta;
  }

  void Merge(const ClusteredRatio& other);
  void Clear();
  bool enabled() const { return !sums_.empty(); }
  int num_buckets() const { return static_cast<int>(sums_.size()); }

  RatioEstimate Estimate() const;

 private:
  std::vector<double> sums_;
  std::vector<double> counts_;
  uint64_t mask_ = 0;
};

}  // namespace modelgate::stats
