// ErrorSummary: bounded-memory statistics of one kind of numeric error (absolute or relative)
// of one field over many response pairs: the overall maximum, the mean over elements, and
// quantiles of the per-pair maximum.
//
// Why quantiles of the per-pair maximum rather than of every element: a TensorDiff carries no
// element values (a 1M-element tensor must not cost 1M sketch insertions per pair), and "in 99%
// of responses no element is off by more than x" is the statement a shadow rollout needs.
//
// Why a DDSketch (stats/sketch) and not a fixed log-bucket histogram: errors span many decades
// (1e-9 float noise to O(1) mismatches) whose range is not known in advance; the sketch keeps a
// relative-error guarantee wherever they fall, in fixed memory. 2% accuracy with 512 bins (4 KiB)
// spans about 8.9 decades before the lowest bins collapse (which only affects low quantiles);
// two per field and 64 fields cost 512 KiB per (route, shadow) at worst.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>

#include "stats/sketch/ddsketch.h"

namespace modelgate::shadow {

class ErrorSummary {
 public:
  static constexpr double kRelativeAccuracy = 0.02;
  static constexpr int kMaxBins = 512;

  ErrorSummary();

  // One pair's errors: its maximum, sum and element count (elements > 0).
  void AddPair(double pair_max, double pair_sum, int64_t elements);

  int64_t pairs() const { return sketch_.count(); }
  int64_t elements() const { return elements_; }
  // nullopt until a pair was added.
  std::optional<double> max() const;
  std::optional<double> mean() const;  // sum over elements / elements
  // Quantile q of the per-pair maxima, within kRelativeAccuracy of the exact lower quantile.
  std::optional<double> PairMaxQuantile(double q) const;

 private:
  stats::DDSketch sketch_;
  int64_t elements_ = 0;
  double sum_ = 0;
};

}  // namespace modelgate::shadow
