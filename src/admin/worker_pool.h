// A fixed set of threads running tasks from a bounded queue: the admin server's handlers that
// may take a while (/metrics serialization, JSON reports, reload) run here, off its event loop.
// A full queue refuses new tasks at once (the server answers 503), so a burst cannot queue
// unbounded work or memory. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace modelgate::admin {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task` unless `max_queued` tasks are already waiting or the pool is stopped.
  bool TrySubmit(absl::AnyInvocable<void() &&> task);

  // Drops the tasks still queued and waits for the running ones. Idempotent; call it from one
  // thread (the owner).
  void Stop();

 private:
  void Run();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  }

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace modelgate::admin
