// ShardedRecorder: lets many threads record into one mergeable summary (Welford, DDSketch,
// Histogram, SlidingWindow...) without contending: each thread writes to its own shard, and a
// reader merges the shards when it needs a snapshot.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"

namespace modelgate::stats {

// A small per-thread index, assigned round-robin the first time a thread asks, so threads
// spread evenly over shards. Stable for the thread's lifetime.
size_t ThisThreadShardIndex();

// Thread-safe. Record() locks only the calling thread's shard; with at least as many shards as
// recording threads that lock is uncontended (an atomic exchange in and out, no syscall) except
// for the moment a reader merges that shard. Readers hold one shard at a time, so a read never
// stops all writers at once. Memory: num_shards summaries, fixed at construction.
//
// Each shard sits on its own cache lines so writers on different cores do not false-share.
template <typename Summary>
class ShardedRecorder {
 public:
  // num_shards < 1 is treated as 1. Every shard starts as a copy of `prototype`.
  explicit ShardedRecorder(int num_shards, const Summary& prototype = Summary()) {
    const int n = num_shards < 1 ? 1 : num_shards;
    shards_.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>(prototype));
  }

  // Forwards to the shard's Add(), e.g. Record(latency) or, for windows, Record(now, latency).
  template <typename... Args>
  void Record(Args&&... args) {
    Shard& shard = *shards_[ThisThreadShardIndex() % shards_.size()];
    MutexLock lock(&shard.mu);
    shard.summary.Add(std::forward<Args>(args)...);
  }

  // Clears *out and merges every shard into it (for summaries with Merge and Clear).
  void MergeInto(Summary* out) {
    out->Clear();
    ForEachShard([out](const Summary& s) { out->Merge(s); });
  }

  // Calls f(Summary&) for each shard under that shard's lock, e.g. to combine sliding windows:
  //   recorder.ForEachShard([&](auto& w) { w.AccumulateInto(now, &merged); });
  template <typename F>
  void ForEachShard(F&& f) {
    for (auto& shard : shards_) {
      MutexLock lock(&shard->mu);
      f(shard->summary);
    }
  }

  int num_shards() const { return static_cast<int>(shards_.size()); }

 private:
  struct alignas(64) Shard {
    explicit Shard(const Summary& prototype) : summary(prototype) {}
    // modelgate::Mutex (a std::mutex) rather than absl::Mutex: Debian's Abseil is not built
    // with ThreadSanitizer, so TSan cannot see absl::Mutex's synchronisation and reports false
    // races; pthread mutexes are intercepted, which keeps `-fsanitize=thread` runs meaningful.
    Mutex mu;
    Summary summary ABSL_GUARDED_BY(mu);
  };

  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace modelgate::stats
