// Per-thread generators seeded from std::random_device mixed with the thread's address.
#include "common/random.h"

#include <random>

namespace modelgate {

SplitMix64& ThreadRandom() {
  thread_local SplitMix64 rng([] {
    std::random_device rd;
    uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    return seed ^ reinterpret_cast<uintptr_t>(&seed);
  }());
  return rng;
}

}  // namespace modelgate
