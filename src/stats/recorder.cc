// Per-thread shard indices for ShardedRecorder.
#include "stats/recorder.h"

#include <atomic>

namespace modelgate::stats {

size_t ThisThreadShardIndex() {
  static std::atomic<size_t> next{0};
  thread_local const size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

}  // namespace modelgate::stats
