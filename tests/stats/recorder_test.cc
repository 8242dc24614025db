// ShardedRecorder: concurrent writers from several threads lose nothing, a reader can merge
// while they write, and sharded sliding windows combine through ForEachShard.
#include "stats/recorder.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "stats/ddsketch.h"
#include "stats/welford.h"
#include "stats/window.h"

namespace modelgate::stats {
namespace {

TEST(ShardedRecorder, ConcurrentWritersLoseNothingWhileAReaderMerges) {
  constexpr int kThreads = 8, kPerThread = 100000;
  ShardedRecorder<Welford> means(4);  // fewer shards than threads: some contention on purpose
  ShardedRecorder<DDSketch> latency(4);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    Welford w;
    DDSketch d;
    while (!done.load()) {
      means.MergeInto(&w);
      latency.MergeInto(&d);
      EXPECT_LE(w.count(), int64_t{kThreads} * kPerThread);
      ++reads;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        means.Record(static_cast<double>(t));
        latency.Record(0.001 * (1 + i % 100));
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();

  Welford w;
  means.MergeInto(&w);
  EXPECT_EQ(w.count(), int64_t{kThreads} * kPerThread);
  EXPECT_NEAR(w.mean(), (kThreads - 1) / 2.0, 1e-9);
  // Population variance of 0..7 with equal weights is 5.25.
  EXPECT_NEAR(w.population_variance(), 5.25, 1e-9);
  DDSketch d;
  latency.MergeInto(&d);
  EXPECT_EQ(d.count(), int64_t{kThreads} * kPerThread);
  EXPECT_NEAR(*d.Quantile(0.5), 0.050, 0.01 * 0.050 + 1e-12);
  EXPECT_GT(reads.load(), 0);
}

TEST(ShardedRecorder, ShardedWindowsCombineThroughForEachShard) {
  absl::StatusOr<SlidingWindow<Welford>> proto =
      SlidingWindow<Welford>::Create(3, absl::Seconds(1));
  ASSERT_TRUE(proto.ok());
  ShardedRecorder<SlidingWindow<Welford>> recorder(2, *proto);
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      // Threads sharing a shard interleave, so a thread's second 7 may arrive after another's
      // second 9: it then lands in the current slot (window.h), still inside the window.
      for (int s = 7; s < 10; ++s) {
        for (int i = 0; i < 100; ++i) recorder.Record(t0 + absl::Seconds(s), 1.0);
      }
    });
  }
  for (auto& w : writers) w.join();
  Welford merged;
  recorder.ForEachShard(
      [&](SlidingWindow<Welford>& w) { w.AccumulateInto(t0 + absl::Seconds(9), &merged); });
  EXPECT_EQ(merged.count(), 4 * 3 * 100);  // seconds 7, 8, 9 from every thread
  Welford later;
  recorder.ForEachShard(
      [&](SlidingWindow<Welford>& w) { w.AccumulateInto(t0 + absl::Seconds(12), &later); });
  EXPECT_EQ(later.count(), 0);  // all expired
}

TEST(ShardedRecorder, ThreadsGetDistinctShardIndices) {
  std::vector<size_t> indices(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { indices[t] = ThisThreadShardIndex(); });
  }
  for (auto& t : threads) t.join();
  std::sort(indices.begin(), indices.end());
  EXPECT_EQ(std::unique(indices.begin(), indices.end()), indices.end());
}

}  // namespace
}  // namespace modelgate::stats
