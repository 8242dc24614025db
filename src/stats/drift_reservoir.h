// A fixed-capacity uniform sample of a stream (Vitter's Algorithm R), so tests that need raw
// values (the exact KS p-value) still work in bounded memory. Storage is allocated once, at
// construction; Offer() never allocates. Not thread-safe: the owner serialises access.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "common/random.h"

namespace modelgate::stats {

class DriftReservoir {
 public:
  explicit DriftReservoir(int capacity) : capacity_(capacity < 1 ? 1 : capacity) {
    values_.reserve(capacity_);
  }

  // Keep the first `capacity` values; afterwards the i-th value (1-based) replaces a uniformly
  // chosen slot with probability capacity/i. Every value seen so far is then in the sample
  // with the same probability, and every subset of that size is equally likely. O(1).
  void Offer(double value, SplitMix64& rng) {
    ++seen_;
    if (static_cast<int64_t>(values_.size()) < capacity_) {
      values_.push_back(value);  // within the reserved capacity: no allocation
      return;
    }
    const uint64_t j = rng.Below(static_cast<uint64_t>(seen_));
    if (j < static_cast<uint64_t>(capacity_)) values_[j] = value;
  }

  // Forget everything; keeps the storage.
  void Clear() {
    values_.clear();
    seen_ = 0;
  }

  int64_t seen() const { return seen_; }
  int capacity() const { return static_cast<int>(capacity_); }
  // The sample, in no meaningful order (slot order is not random: do not take prefixes).
  absl::Span<const double> values() const { return values_; }

 private:
  int64_t capacity_;
  int64_t seen_ = 0;
  std::vector<double> values_;
};

}  // namespace modelgate::stats
