// Welford: a streaming count, mean and variance in O(1) memory, mergeable across shards and
// sub-windows with the parallel formula of Chan, Golub and LeVeque (1979).
#pragma once

#include <cstdint>

namespace modelgate::stats {

// Tracks (n, mean, M2) where M2 is the sum of squared deviations from the mean. Updating the
// running mean instead of accumulating sum and sum of squares avoids the catastrophic
// cancellation of the textbook formula when the mean is large relative to the spread (e.g.
// latencies around 100 ms that differ by microseconds).
//
// Not thread-safe: one writer; merge copies for concurrent use.
class Welford {
 public:
  Welford() = default;

  // Rebuilds a summary from published moments, e.g. from another process or a test fixture.
  static Welford FromMoments(int64_t n, double mean, double m2) {
    Welford w;
    w.n_ = n;
    w.mean_ = n > 0 ? mean : 0.0;
    w.m2_ = n > 1 ? m2 : 0.0;
    return w;
  }

  // O(1), no allocation.
  void Add(double x) {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }

  // Chan et al.: combining two partitions needs only their moments, so per-thread or per-slot
  // summaries can be merged on read without keeping the samples.
  void Merge(const Welford& other) {
    if (other.n_ == 0) return;
    if (n_ == 0) {
      *this = other;
      return;
    }
    const double na = static_cast<double>(n_);
    const double nb = static_cast<double>(other.n_);
    const double n = na + nb;
    const double delta = other.mean_ - mean_;
    mean_ += delta * (nb / n);
    m2_ += other.m2_ + delta * delta * (na * nb / n);
    n_ += other.n_;
  }

  void Clear() { *this = Welford(); }

  int64_t count() const { return n_; }
  double mean() const { return mean_; }
  double m2() const { return m2_; }
  // Unbiased sample variance (divides by n-1); 0 when n < 2 so callers never see NaN. Tests
  // check count() >= 2 before trusting it.
  double variance() const { return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : 0.0; }
  // Population variance (divides by n); 0 when empty.
  double population_variance() const {
    return n_ > 0 ? m2_ / static_cast<double>(n_) : 0.0;
  }

 private:
  int64_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
};

}  // namespace modelgate::stats
