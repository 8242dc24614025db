// BoundedMpscQueue: FIFO order, exact capacity, and every item delivered exactly once with
// several producers and a concurrent consumer.
#include "monitor/payload_queue.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate::monitor {
namespace {

TEST(BoundedMpscQueue, IsFifoWithAnExactCapacity) {
  BoundedMpscQueue<int> q(3);  // not a power of two on purpose
  int out = 0;
  EXPECT_FALSE(q.TryPop(&out));
  for (int lap = 0; lap < 5; ++lap) {
    for (int i = 0; i < 3; ++i) {
      int v = lap * 10 + i;
      EXPECT_TRUE(q.TryPush(std::move(v)));
    }
    int extra = 99;
    EXPECT_FALSE(q.TryPush(std::move(extra)));
    EXPECT_EQ(extra, 99);  // a rejected item is left to the caller
    EXPECT_EQ(q.size_approx(), 3u);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(q.TryPop(&out));
      EXPECT_EQ(out, lap * 10 + i);
    }
    EXPECT_FALSE(q.TryPop(&out));
  }
}

TEST(BoundedMpscQueue, PoppedItemsReleaseTheirResourcesAtOnce) {
  BoundedMpscQueue<std::shared_ptr<int>> q(2);
  auto item = std::make_shared<int>(7);
  std::weak_ptr<int> weak = item;
  ASSERT_TRUE(q.TryPush(std::move(item)));
  std::shared_ptr<int> out;
  ASSERT_TRUE(q.TryPop(&out));
  out.reset();
  EXPECT_TRUE(weak.expired());  // the cell kept no copy
}

TEST(BoundedMpscQueue, ConcurrentProducersDeliverEveryAcceptedItemExactlyOnce) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 50000;
  BoundedMpscQueue<int64_t> q(64);
  std::atomic<int> finished{0};
  std::atomic<int64_t> accepted_sum{0}, accepted{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        int64_t v = static_cast<int64_t>(p) * kPerProducer + i + 1;
        const int64_t copy = v;
        if (q.TryPush(std::move(v))) {
          accepted_sum += copy;
          ++accepted;
        }
      }
      ++finished;
    });
  }
  int64_t received_sum = 0, received = 0;
  std::vector<int64_t> last_from(kProducers, 0);
  bool ordered = true;
  int64_t v = 0;
  auto take = [&] {
    received_sum += v;
    ++received;
    // Items of one producer come out in the order it pushed them.
    const int p = static_cast<int>((v - 1) / kPerProducer);
    ordered = ordered && v > last_from[p];
    last_from[p] = v;
  };
  while (finished.load() < kProducers) {
    if (q.TryPop(&v)) take();
  }
  for (auto& t : producers) t.join();
  while (q.TryPop(&v)) take();
  EXPECT_EQ(received, accepted.load());
  EXPECT_EQ(received_sum, accepted_sum.load());
  EXPECT_GT(received, 0);
  EXPECT_TRUE(ordered);
}

}  // namespace
}  // namespace modelgate::monitor
