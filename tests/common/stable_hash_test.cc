// Golden vectors pin the bucketing hash: values computed independently with the xxHash
// reference CLI (`printf '%s' KEY | xxhsum -H3 -`) and Python big-int arithmetic for buckets.
// If one of these changes, users move between arms on upgrade: that must never happen silently.
#include "common/stable_hash.h"

#include <string>

#include "gtest/gtest.h"

namespace modelgate {
namespace {

struct Golden {
  const char* salt;
  const char* scope;
  std::string key;
  uint64_t hash;
  uint32_t bucket;
};

TEST(StableHash, MatchesXxh3ReferenceVectors) {
  const Golden cases[] = {
      {"modelgate", "predict", "user-1", 0x42d4f183e2e21706ULL, 2610},
      {"modelgate", "predict", "user-2", 0x917560c285064d69ULL, 5681},
      {"modelgate", "predict", "", 0xdad79e912870d315ULL, 8548},
      {"salt-x", "checkout", "alice", 0x854343f881231d9bULL, 5205},
      {"modelgate", "predict", "\xc3\xbc" "n\xc3\xaf" "code-\xe7\x94\xa8\xe6\x88\xb7", 0xc4171583380d9ffcULL,
       7659},
      // Longer than the stack buffer: exercises the streaming path.
      {"modelgate", "predict", std::string(300, 'k'), 0xbec0c51a24b264ecULL, 7451},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    EXPECT_EQ(StableKeyHash(c.salt, c.scope, c.key), c.hash);
    EXPECT_EQ(StableHash64(std::string(c.salt) + ":" + c.scope + ":" + c.key), c.hash);
    EXPECT_EQ(StableBucket(c.salt, c.scope, c.key), c.bucket);
  }
}

TEST(StableHash, DelimiterSeparatesFields) {
  EXPECT_NE(StableKeyHash("ab", "c", "k"), StableKeyHash("a", "bc", "k"));
}

TEST(StableHash, BucketCoversWholeRange) {
  EXPECT_EQ(BucketOf(0), 0u);
  EXPECT_EQ(BucketOf(~0ULL), kBuckets - 1);
  EXPECT_EQ(BucketOf(1ULL << 63), kBuckets / 2);
}

TEST(StableHash, BucketsAreUniformChiSquare) {
  // 200k keys into 100 coarse cells: chi-square with 99 df; 99.99th percentile is ~157.
  constexpr int kCells = 100, kKeys = 200000;
  int counts[kCells] = {};
  for (int i = 0; i < kKeys; ++i)
    ++counts[StableBucket("modelgate", "uniformity", "u" + std::to_string(i)) / (kBuckets / kCells)];
  double chi2 = 0, expected = static_cast<double>(kKeys) / kCells;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 157.0);
}

}  // namespace
}  // namespace modelgate
