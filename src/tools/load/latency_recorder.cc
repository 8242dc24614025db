// Implementation of LatencyRecorder; see latency_recorder.h.
#include "tools/load/latency_recorder.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace modelgate::tools {
namespace {

constexpr double kGrowth = 1.02;
const double kLogGrowth = std::log(kGrowth);
// 1.02^1400 ≈ 1.1e12 ns, i.e. beyond any deadline worth measuring.
constexpr int kBuckets = 1400;

}  // namespace

LatencyRecorder::LatencyRecorder(size_t max_samples)
    : max_samples_(max_samples), buckets_(kBuckets, 0) {
  // Reserved up front so that recording never allocates; untouched pages cost nothing.
  samples_.reserve(max_samples_);
}

int LatencyRecorder::BucketOf(int64_t nanos) {
  if (nanos <= 1) return 0;
  int b = static_cast<int>(std::log(static_cast<double>(nanos)) / kLogGrowth);
  return std::min(b, kBuckets - 1);
}

double LatencyRecorder::BucketMidpoint(int bucket) {
  // Bucket b holds [g^b, g^(b+1)); its geometric midpoint is within sqrt(g) of both ends.
  return std::pow(kGrowth, bucket + 0.5);
}

void LatencyRecorder::Record(int64_t nanos) {
  nanos = std::max<int64_t>(nanos, 0);
  if (count_ == 0) {
    min_ = max_ = nanos;
  } else {
    min_ = std::min(min_, nanos);
    max_ = std::max(max_, nanos);
  }
  ++count_;
  sum_ += static_cast<double>(nanos);
  ++buckets_[BucketOf(nanos)];
  if (samples_.size() < max_samples_) samples_.push_back(nanos);
}

double LatencyRecorder::QuantileNanos(double q) const {
  if (count_ == 0) return 0;
  // Nearest rank, 1-based: the smallest sample with at least ceil(q·n) samples at or below it
  // (the epsilon keeps 0.99 * 100 from rounding up to rank 100).
  int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * count_ - 1e-9)));
  if (static_cast<int64_t>(samples_.size()) == count_) {
    return static_cast<double>(samples_[rank - 1]);
  }
  int64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += static_cast<int64_t>(buckets_[b]);
    if (seen >= rank) {
      // Never report outside what was observed.
      return std::clamp(BucketMidpoint(b), static_cast<double>(min_), static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

LatencyRecorder::Summary LatencyRecorder::Summarize() {
  std::sort(samples_.begin(), samples_.end());
  Summary s;
  s.count = count_;
  s.exact = static_cast<int64_t>(samples_.size()) == count_;
  if (count_ == 0) return s;
  constexpr double kMs = 1e-6;
  s.min_ms = min_ * kMs;
  s.max_ms = max_ * kMs;
  s.mean_ms = sum_ / count_ * kMs;
  s.p50_ms = QuantileNanos(0.50) * kMs;
  s.p90_ms = QuantileNanos(0.90) * kMs;
  s.p99_ms = QuantileNanos(0.99) * kMs;
  s.p999_ms = QuantileNanos(0.999) * kMs;
  return s;
}

}  // namespace modelgate::tools
