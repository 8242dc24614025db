#include "common/mutex.h"

#include <chrono>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "gtest/gtest.h"

namespace modelgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct Counter {
  Mutex mu;
  int value ABSL_GUARDED_BY(mu) = 0;
};

// Whether another thread can take `mu` right now (it releases it at once).
bool LockableFromAnotherThread(Mutex& mu) {
  bool taken = false;
  std::thread([&] {
    if (mu.TryLock()) {
      taken = true;
      mu.Unlock();
    }
  }).join();
  return taken;
}

TEST(Mutex, MutexLockExcludesOtherThreads) {
  Counter c;
  constexpr int kIncrements = 100000;
  auto add = [&c] {
    for (int i = 0; i < kIncrements; ++i) {
      MutexLock lock(&c.mu);
      ++c.value;
    }
  };
  std::thread a(add), b(add);
  a.join();
  b.join();
  MutexLock lock(&c.mu);
  EXPECT_EQ(c.value, 2 * kIncrements);
}

TEST(Mutex, TryLockFailsWhileHeld) {
  Mutex mu;
  mu.Lock();
  EXPECT_FALSE(LockableFromAnotherThread(mu));
  mu.Unlock();
  EXPECT_TRUE(LockableFromAnotherThread(mu));
}

TEST(CondVar, WaitUntilTimesOutAtTheDeadline) {
  Mutex mu;
  CondVar cv;
  const auto deadline = steady_clock::now() + milliseconds(50);
  MutexLock lock(&mu);
  // Spurious wake-ups return true before the deadline; loop as callers do.
  while (cv.WaitUntil(&mu, deadline)) {
  }
  EXPECT_GE(steady_clock::now(), deadline);
}

TEST(CondVar, WaitUntilWakesOnNotify) {
  Mutex mu;
  CondVar cv;
  bool ready = false;  // guarded by mu
  std::thread notifier([&] {
    std::this_thread::sleep_for(milliseconds(20));
    MutexLock lock(&mu);
    ready = true;
    cv.NotifyAll();
  });
  const auto start = steady_clock::now();
  const auto deadline = start + std::chrono::seconds(30);
  {
    MutexLock lock(&mu);
    while (!ready && cv.WaitUntil(&mu, deadline)) {
    }
    EXPECT_TRUE(ready);
  }
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(10));
  notifier.join();
}

TEST(CondVar, WaitForReturnsFalseOnTimeoutAndRelocks) {
  Mutex mu;
  CondVar cv;
  MutexLock lock(&mu);
  // A spurious wake-up returns true; nobody notifies, so a wait eventually times out.
  while (cv.WaitFor(&mu, milliseconds(20))) {
  }
  EXPECT_FALSE(LockableFromAnotherThread(mu));  // held again
}

}  // namespace
}  // namespace modelgate
