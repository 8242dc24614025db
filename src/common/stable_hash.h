// Stable user bucketing. The bucket of a key is a pure function of (salt, scope, key): the same on
// every machine, process and restart, so every replica puts a user in the same arm. The hash is
// XXH3-64 (libxxhash, seed 0) over the UTF-8 bytes "salt:scope:key"; the bucket is the top of the
// 128-bit product hash * kBuckets, which is unbiased where `hash % kBuckets` is not quite.
// Golden vectors in tests/common/stable_hash_test.cc pin both; changing either is a breaking
// change that moves users between arms.
#pragma once

#include <cstdint>
#include <vector>
#include <string_view>

namespace modelgate {

inline constexpr uint32_t kBuckets = 10000;

// XXH3-64 of `data`, seed 0.
uint64_t StableHash64(std::string_view data);

// StableHash64 of "salt:scope:key", without allocating for short inputs.
uint64_t StableKeyHash(std::string_view salt, std::string_view scope, std::string_view key);

// Maps a 64-bit hash to [0, kBuckets).
inline uint32_t BucketOf(uint64_t hash) {
  return static_cast<uint32_t>((static_cast<unsigned __int128>(hash) * kBuckets) >> 64);
}

inline uint32_t StableBucket(std::string_view salt, std::string_view scope, std::string_view key) {
  return BucketOf(StableKeyHash(salt, scope, key));
}

// Identifies a route's traffic shares: a digest of its arms' weights, in order, so it changes
// exactly when they do (the sample-ratio check restarts with each such epoch).
uint64_t WeightEpoch(const std::vector<int64_t>& weights);

}  // namespace modelgate
