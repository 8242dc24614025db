// EventLoop timers: cancelled timers do not pile up in memory (a client's grpc-timeout can be
// years away, and every call cancels its deadline timer), and live ones still run.
#include "h2/event_loop.h"

#include <gtest/gtest.h>

#include <vector>

namespace modelgate::h2 {
namespace {

TEST(EventLoop, CancelledFarTimersDoNotAccumulate) {
  EventLoop loop;
  ASSERT_TRUE(loop.ok());
  const absl::Time far = absl::Now() + absl::Hours(99999999);
  for (int i = 0; i < 100000; ++i) loop.CancelTimer(loop.AddTimer(far, [] {}));
  // Bounded by the rebuild rule (2x live + 1024), not by the 100,000 cancellations.
  EXPECT_LE(loop.timer_entries(), 1025u);
}

TEST(EventLoop, LiveTimersSurviveTheRebuildAndRunInOrder) {
  EventLoop loop;
  ASSERT_TRUE(loop.ok());
  std::vector<int> ran;
  const absl::Time far = absl::Now() + absl::Hours(1);
  loop.AddTimer(absl::Now(), [&] { ran.push_back(1); });
  for (int i = 0; i < 5000; ++i) loop.CancelTimer(loop.AddTimer(far, [] {}));
  loop.AddTimer(absl::Now(), [&] { ran.push_back(2); });
  const EventLoop::TimerId never = loop.AddTimer(absl::Now(), [&] { ran.push_back(3); });
  loop.CancelTimer(never);
  for (int i = 0; i < 3 && ran.size() < 2; ++i) ASSERT_TRUE(loop.RunOnce(0));
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace modelgate::h2
