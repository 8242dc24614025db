// ClusteredRatio: the mean of a per-request metric (latency, error indicator) when requests are
// NOT independent because they come from the same users, with a variance that stays honest.
//
// On a sticky route the unit of randomisation is the user, and one user's requests are
// correlated (the same inputs, the same client, the same network). Treating requests as
// independent understates the variance of a mean, and tests built on it reject far more often
// than alpha (tests/stats/clustered_ratio_test.cc measures it). The standard remedy is the
// delta method for a ratio of per-cluster sums: with users hashed into K buckets (a bucket's
// users are independent of every other bucket's), bucket sums S_k of the values and N_k of the
// request counts give
//     R = sum S_k / sum N_k,     Var(R) ~= G/(G-1) * sum_k (S_k - R N_k)^2 / (sum N_k)^2
// where G is the number of buckets that hold data. With one request per bucket this is exactly
// s^2/n; with heavy users it grows as it should. The buckets, not the users, are stored: memory
// is 2K doubles whatever the traffic, and a bucket holding several users is still a sum of
// independent users.
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
  double variance_of_mean = 0.0;  // delta-method variance of `mean`
  int64_t clusters = 0;           // G: buckets holding data
  double count = 0.0;             // sum N_k
};

class ClusteredRatio {
 public:
  // `num_buckets` >= 2 (a power of two is cheapest: the bucket is key & (K-1)).
  explicit ClusteredRatio(int num_buckets = 0);

  // One observation from the unit whose stable hash is `unit_key`.
  void Add(uint64_t unit_key, double value) {
    if (sums_.empty()) return;
    const size_t k = static_cast<size_t>(unit_key % sums_.size());
    sums_[k] += value;
    counts_[k] += 1.0;
  }

  void Merge(const ClusteredRatio& other);
  void Clear();
  bool enabled() const { return !sums_.empty(); }
  int num_buckets() const { return static_cast<int>(sums_.size()); }

  RatioEstimate Estimate() const;

 private:
  std::vector<double> sums_;
  std::vector<double> counts_;
};

}  // namespace modelgate::stats
