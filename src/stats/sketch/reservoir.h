// Reservoir: a fixed-size uniform random sample of an unbounded stream (Vitter's Algorithm R),
// seeded, for tests that need raw values (Mann-Whitney U, the exact KS p-value) in bounded
// memory. Mergeable, so per-thread samples can be combined into one.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "common/random.h"

namespace modelgate::stats {

// After n Add() calls the reservoir holds min(n, capacity) items and every subset of that size
// is equally likely (Algorithm R: keep the first k items; item i > k replaces a uniformly chosen
// slot with probability k/i). A test computed on it is the same test on a uniform random
// subsample: valid (the sampling never looks at values), with the power of min(n, k) samples.
//
// Add() is O(1) and never allocates (storage is reserved up front). Not thread-safe.
template <typename T>
class Reservoir {
 public:
  Reservoir(size_t capacity, uint64_t seed) : capacity_(capacity), rng_(seed) {
    items_.reserve(capacity_);
  }

  void Add(const T& x) { Add(x, rng_); }

  // Add() drawing from `rng` instead of the reservoir's own generator, for an owner that keeps
  // one random stream across several reservoirs (one seed then fixes all their samples).
  void Add(const T& x, modelgate::SplitMix64& rng) {
    ++seen_;
    if (items_.size() < capacity_) {
      items_.push_back(x);  // within the reserved capacity: no allocation
      return;
    }
    const uint64_t j = rng.Below(static_cast<uint64_t>(seen_));
    if (j < capacity_) items_[j] = x;
  }

  // Makes this a uniform sample of the union of both streams: the number of items drawn from
  // each side follows the hypergeometric law of drawing min(k, n_a + n_b) items without
  // replacement from n_a + n_b, simulated one draw at a time; then that many items are taken
  // uniformly from each side's sample (itself uniform over its stream).
  void Merge(const Reservoir& other) {
    if (other.seen_ == 0) return;
    if (seen_ + other.seen_ <= static_cast<int64_t>(capacity_)) {
      // Both hold their whole streams and everything fits.
      items_.insert(items_.end(), other.items_.begin(), other.items_.end());
      seen_ += other.seen_;
      return;
    }
    const int64_t total = seen_ + other.seen_;
    const size_t k = capacity_;
    int64_t remaining_a = seen_, remaining_b = other.seen_;
    size_t take_a = 0;
    for (size_t i = 0; i < k; ++i) {
      const uint64_t r = rng_.Below(static_cast<uint64_t>(remaining_a + remaining_b));
      if (r < static_cast<uint64_t>(remaining_a)) {
        ++take_a;
        --remaining_a;
      } else {
        --remaining_b;
      }
    }
    const size_t take_b = k - take_a;
    // take_a <= min(k, seen_) == items_.size(), and likewise for b.
    std::vector<T> merged;
    merged.reserve(k);
    PickInto(items_, take_a, &merged);
    std::vector<T> theirs = other.items_;
    PickInto(theirs, take_b, &merged);
    items_.swap(merged);
    items_.reserve(capacity_);
    seen_ = total;
  }

  // Empties the sample and keeps the capacity; the random stream continues.
  void Clear() {
    items_.clear();
    seen_ = 0;
  }

  // The sample, in no meaningful order (slot order is not random: do not take prefixes).
  absl::Span<const T> sample() const { return items_; }
  // Items offered since the last Clear().
  int64_t seen() const { return seen_; }
  size_t capacity() const { return capacity_; }

 private:
  // Moves `n` uniformly chosen elements of `from` (partial Fisher-Yates, reorders `from`).
  void PickInto(std::vector<T>& from, size_t n, std::vector<T>* out) {
    for (size_t i = 0; i < n; ++i) {
      const size_t j = i + static_cast<size_t>(rng_.Below(from.size() - i));
      std::swap(from[i], from[j]);
      out->push_back(std::move(from[i]));
    }
  }

  size_t capacity_;
  modelgate::SplitMix64 rng_;
  std::vector<T> items_;
  int64_t seen_ = 0;
};

}  // namespace modelgate::stats
