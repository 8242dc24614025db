// Distinct sampling (Gibbons, VLDB 2001) of hashed keys, with a label per key: an exact count,
// per label, of the distinct keys in a uniform hash-selected sample, in bounded memory. A key is
// in the sample at level L when the low L bits of its 64-bit hash are zero; when more than
// `capacity` keys are held, L grows by one and keys that no longer qualify are dropped. Every
// distinct key is therefore in the sample with the same probability 2^-L, independently of its
// label as long as the label is not a function of the hash's low bits (modelgate's arm is a
// function of the high bits, see common/stable_hash.h), so the per-label counts are a
// multinomial sample of the distinct keys, fit for a chi-square test of sample ratio.
//
// Thread-safety: Add may be called from any thread; it takes a mutex only for keys that pass
// the current level's cheap filter (a fraction 2^-L of them). Counts may be called from any
// thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "common/mutex.h"

namespace modelgate::stats {

class DistinctSampler {
 public:
  DistinctSampler(int num_labels, size_t capacity);

  void Add(uint64_t key_hash, int label) ABSL_LOCKS_EXCLUDED(mu_);

  struct Counts {
    std::vector<int64_t> per_label;  // distinct sampled keys per label
    int level = 0;                   // keys sampled with probability 2^-level
  };
  Counts Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void RaiseLevelLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int num_labels_;
  const size_t capacity_;
  std::atomic<uint64_t> mask_{0};  // low bits that must be zero at the current level
  mutable Mutex mu_;
  int level_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<uint64_t, int> keys_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace modelgate::stats
