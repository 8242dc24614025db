// Distinct sampling (Gibbons, VLDB 2001) of hashed keys, with a label per key: an exact count,
// per label, of the distinct keys in a uniform hash-selected sample, in bounded memory. A key is
// in the sample at level L when the low L bits of its 64-bit hash are zero; when more than a
// shard's capacity of keys is held, its L grows by one and keys that no longer qualify are
// dropped. Every distinct key is therefore in the sample with the same probability 2^-L,
// independently of its label as long as the label is not a function of the hash's low bits
// (modelgate's arm is a function of the high bits, see common/stable_hash.h), so the per-label
// counts are a multinomial sample of the distinct keys, fit for a chi-square test of sample
// ratio.
//
// Sharded by recording thread (the proxy's workers): Add touches only its own shard, whose lock
// no other writer takes (the reader takes it once per snapshot), and only for keys that pass
// the shard's cheap level filter (a fraction 2^-L of them). Snapshot merges the shards: the
// union of their keys at the highest level among them (a key seen by several workers counts
// once). Thread-safety: Add(shard) from that shard's thread; Snapshot and Reset from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "common/mutex.h"

namespace modelgate::stats {

class DistinctSampler {
 public:
  // `capacity`: keys held per shard at most (memory is bounded by num_shards * capacity).
  DistinctSampler(int num_labels, size_t capacity, int num_shards = 1);

  void Add(int shard, uint64_t key_hash, int label);
  void Add(uint64_t key_hash, int label) { Add(0, key_hash, label); }

  struct Counts {
    std::vector<int64_t> per_label;  // distinct sampled keys per label
    int level = 0;                   // keys sampled with probability 2^-level
  };
  Counts Snapshot() const;
  // Forgets every key (a new sample-ratio epoch).
  void Reset();

 private:
  struct alignas(64) Shard {
    std::atomic<uint64_t> mask{0};  // low bits that must be zero at the current level
    mutable Mutex mu;
    int level ABSL_GUARDED_BY(mu) = 0;
    absl::flat_hash_map<uint64_t, int> keys ABSL_GUARDED_BY(mu);
  };
  static void RaiseLevel(Shard& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);

  const int num_labels_;
  const size_t capacity_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace modelgate::stats
