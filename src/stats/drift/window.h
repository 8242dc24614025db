// The "current" side of a drift monitor: a sliding window over the last K sub-windows of time,
// each holding a histogram over frozen DriftBins (counts and per-bin sums), a count of missing
// (non-finite) values, the range and a bounded reservoir of raw values. Time is supplied by the
// caller (no clock inside), so tests and replays are deterministic. Memory is fixed at
// construction: K * (2B + reservoir capacity) numbers.
//
// Not thread-safe: the owner (DriftMonitor, ArmDriftComparison) serialises access.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/time/time.h"
#include "common/random.h"
#include "stats/drift/binned.h"
#include "stats/drift/bins.h"
#include "stats/sketch/reservoir.h"

namespace modelgate::stats {

struct DriftWindowOptions {
  absl::Duration sub_window = absl::Minutes(1);  // rotation granularity
  int num_sub_windows = 10;                      // window length = num_sub_windows * sub_window
  int sample_capacity = 512;                     // raw values kept per sub-window (Algorithm R)
  uint64_t seed = 0x5eed;
};

class DriftWindow {
 public:
  // Options are clamped to sane minimums (1 sub-window, 1 ns, capacity 1); validate them
  // before constructing if they come from users.
  DriftWindow(const DriftBins& bins, const DriftWindowOptions& options);

  // Counts `value` in the sub-window containing `now`, first expiring sub-windows that `now`
  // has left behind. Non-finite values are only counted as missing. Values older than the window
  // are dropped (late_dropped()). O(log B) amortised (a rotation costs O(B + capacity), once per
  // sub-window); never allocates.
  void Record(double value, absl::Time now);

  // Expires the sub-windows that ended before `now` minus the window length.
  void Advance(absl::Time now);

  // Histogram of the live sub-windows. Counts are running totals; sums and range are summed
  // over the K sub-windows into a preallocated buffer (O(K * B), exact, no drift from repeated
  // subtraction). The view is valid until the next call on this window.
  BinnedCounts Histogram();
  int64_t count() const { return total_count_; }  // finite values in the window
  int64_t missing_count() const { return total_missing_; }
  int64_t late_dropped() const { return late_dropped_; }
  const DriftBins& bins() const { return bins_; }

  // A uniform sample of the window's values, sorted ascending, built from the
  // sub-window reservoirs in proportion to each sub-window's count (a proportionally stratified
  // sample: busy sub-windows are not under-represented). As large as the reservoirs allow.
  // Allocates; meant for evaluation, not the recording path.
  std::vector<double> SortedSample(uint64_t seed) const;

 private:
  struct SubWindow {
    int64_t index = std::numeric_limits<int64_t>::min();  // which sub-window of time this holds
    std::vector<int64_t> counts;
    std::vector<double> offset_sums;
    int64_t count = 0;
    int64_t missing = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    Reservoir<double> reservoir;  // drawn from the window's rng_, not its own generator
    explicit SubWindow(int bins, int capacity)
        : counts(bins, 0), offset_sums(bins, 0.0), reservoir(static_cast<size_t>(capacity), 0) {}
  };

  int64_t IndexOf(absl::Time t) const;
  SubWindow& SlotFor(int64_t index);
  void Reset(SubWindow& slot, int64_t index);

  DriftBins bins_;
  int64_t sub_window_ns_;
  int num_sub_windows_;
  std::vector<SubWindow> slots_;
  std::vector<int64_t> totals_;
  std::vector<double> sums_buffer_;  // filled by Histogram()
  int64_t total_count_ = 0;
  int64_t total_missing_ = 0;
  int64_t late_dropped_ = 0;
  int64_t head_ = std::numeric_limits<int64_t>::min();  // newest sub-window index seen
  SplitMix64 rng_;
};

}  // namespace modelgate::stats
