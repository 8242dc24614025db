// DDSketch: a bounded-memory quantile sketch with a relative-error guarantee, for latency
// percentiles the controller needs internally (p50/p99 of an arm). Mergeable by adding counts.
//
// Masson, Rim, Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with Relative-Error
// Guarantees", VLDB 2019. With gamma = (1+a)/(1-a), value x > 0 falls in bin i = ceil(log_gamma x),
// i.e. (gamma^(i-1), gamma^i], and the bin is represented by 2 gamma^i / (gamma+1). Every value of
// that bin is within a relative distance a of the representative, so any quantile whose value
// lies in an uncollapsed bin is returned with |estimate - x_q| <= a * x_q.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace modelgate::stats {

// Memory is fixed at construction: max_bins counters plus a few scalars (16 KiB by default),
// whatever the traffic. When the values span more than max_bins bins, the lowest bins are
// collapsed into one (as Datadog's implementation does), so high quantiles, the ones latency
// gates care about, keep the guarantee while the lowest quantiles lose it. At a = 1% the range
// 1 ms .. 60 s needs only 551 bins, so collapsing does not happen for realistic latencies.
//
// Input domain: non-negative values. Exact zeros, values below DBL_MIN (subnormals) and
// negative values (e.g. a clock step) are counted in a separate zero bin and reported as 0.
// NaN is ignored.
//
// Add() is O(1) amortized with no allocation: the bin array only shifts when the observed range
// widens, which stops once the range is stable. Quantile() is O(max_bins).
//
// Not thread-safe: one writer; merge copies for concurrent use.
class DDSketch {
 public:
  static constexpr double kDefaultRelativeAccuracy = 0.01;
  static constexpr int kDefaultMaxBins = 2048;

  // Default parameters: a = 1%, 2048 bins.
  DDSketch();

  // relative_accuracy in (0, 1), max_bins >= 2.
  static absl::StatusOr<DDSketch> Create(double relative_accuracy, int max_bins);

  void Add(double x);

  // Adds other's counts. Precondition: CanMerge(other) (same accuracy and bin limit); sketches
  // built from one configuration, e.g. the slots of a window, always satisfy it.
  void Merge(const DDSketch& other);
  bool CanMerge(const DDSketch& other) const;

  void Clear();

  // The q-quantile for q in [0, 1], defined as the sample of 0-based rank floor(q * (count-1))
  // (the lower quantile, as in the paper). The estimate is clamped to [min, max], which can only
  // move it closer to the true value. Errors: FailedPrecondition when empty, InvalidArgument
  // when q is outside [0, 1].
  absl::StatusOr<double> Quantile(double q) const;

  int64_t count() const { return count_; }
  int64_t zero_count() const { return zero_count_; }
  double sum() const { return sum_; }
  // Exact minimum and maximum of the recorded values (0 when empty).
  double min() const { return count_ > 0 ? min_ : 0.0; }
  double max() const { return count_ > 0 ? max_ : 0.0; }
  double relative_accuracy() const { return alpha_; }
  int max_bins() const { return static_cast<int>(bins_.size()); }
  // Number of distinct bins in use (bounded by max_bins()).
  int bins_in_use() const;
  // True once low bins have been collapsed: quantiles that fall in the lowest bin may then be
  // over-estimated beyond the relative accuracy.
  bool collapsed() const { return collapsed_; }

 private:
  DDSketch(double relative_accuracy, int max_bins);

  int KeyOf(double x) const;
  double ValueOf(int key) const;
  void AddToKey(int key, uint64_t n);
  // Moves the stored bins so that bins_[0] holds key `new_offset`. All keys in
  // [min_key_, max_key_] must fit the new window.
  void MoveWindow(int new_offset);

  double alpha_;
  double gamma_;
  double log_gamma_;
  double inv_log_gamma_;

  // bins_[i] counts values with key offset_ + i. Keys outside [min_key_, max_key_] are zero.
  std::vector<uint64_t> bins_;
  int offset_ = 0;
  int min_key_ = 0;
  int max_key_ = 0;
  bool has_bins_ = false;
  bool collapsed_ = false;

  int64_t count_ = 0;
  int64_t zero_count_ = 0;
  double sum_ = 0.0;
  double min_ = 0.0;
  double max_ = 0.0;
};

}  // namespace modelgate::stats
