// A thread that runs a function every interval until stopped, waking at once on Stop(). For the
// engines that drain bounded queues off the request path (shadow comparisons).
#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/mutex.h"

namespace modelgate {

class PollThread {
 public:
  PollThread() = default;
  ~PollThread() { Stop(); }
  PollThread(const PollThread&) = delete;
  PollThread& operator=(const PollThread&) = delete;

  // Starts the thread; `round` runs once per `interval` (after each sleep). Call at most once.
  void Start(absl::Duration interval, std::function<void()> round) {
    thread_ = std::thread([this, interval, round = std::move(round)] {
      const auto poll = absl::ToChronoNanoseconds(interval);
      for (;;) {
        {
          const auto deadline = std::chrono::steady_clock::now() + poll;
          MutexLock lock(&mu_);
          while (!stopping_ && cv_.WaitUntil(&mu_, deadline)) {
          }
          if (stopping_) return;
        }
        round();
      }
    });
  }

  // Stops and joins the thread (idempotent; not from the thread itself).
  void Stop() {
    {
      MutexLock lock(&mu_);
      stopping_ = true;
    }
    cv_.NotifyAll();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Mutex mu_;
  CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace modelgate
