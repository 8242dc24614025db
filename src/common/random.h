// Fast, seedable pseudo-random numbers for routing decisions that have no sticky key. One
// generator per thread (no sharing, no locks); tests seed it for reproducibility.
#pragma once

#include <cstdint>

namespace modelgate {

// SplitMix64: tiny state, passes BigCrush, plenty for traffic splitting. Not for cryptography.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) without modulo bias worth measuring (Lemire's multiply-shift).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform double in [0, 1).
  double Uniform() { return (Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// The calling thread's generator, seeded once per thread from a process-wide entropy source.
SplitMix64& ThreadRandom();

}  // namespace modelgate
