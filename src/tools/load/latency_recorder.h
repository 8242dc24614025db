// LatencyRecorder: call latencies in bounded memory, with quantiles that are exact whenever
// they can be.
//
// Every latency is kept while at most `max_samples` were recorded; quantiles then come from the
// sorted samples (nearest rank: the smallest value with at least q·n samples at or below it).
// Past the cap, samples are no longer stored and quantiles come from a log-bucketed histogram
// that is always maintained: buckets grow by a factor 1.02 from 1 ns to ~1000 s (~1.4k counters)
// and a quantile is reported as its bucket's geometric midpoint, so its relative error is below
// 1% (sqrt(1.02) - 1 ≈ 0.995%). Summary::exact says which applied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace modelgate::tools {

// Thread-compatible.
class LatencyRecorder {
 public:
  explicit LatencyRecorder(size_t max_samples);

  void Record(int64_t nanos);
  int64_t count() const { return count_; }

  struct Summary {
    int64_t count = 0;
    bool exact = true;  // False when quantiles came from the histogram.
    double min_ms = 0, max_ms = 0, mean_ms = 0;
    double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0;
  };
  // Sorts the stored samples; call once, after the last Record().
  Summary Summarize();

 private:
  double QuantileNanos(double q) const;
  static int BucketOf(int64_t nanos);
  static double BucketMidpoint(int bucket);

  size_t max_samples_;
  std::vector<int64_t> samples_;
  std::vector<uint64_t> buckets_;
  int64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace modelgate::tools
