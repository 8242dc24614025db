// One epoll event loop per data-plane thread. It owns the sockets registered with it and runs
// everything about them on its own thread, so connection and stream state needs no locks.
// A round: wait for readiness (or the next timer), dispatch readiness, run due timers, run tasks
// posted from other threads, then run the end-of-round hooks — where every connection that has
// something to say writes it in one batched write() (a write per frame costs ~3x the CPU).
//
// Thread-safe: Post() and Stop() may be called from any thread; the rest on the loop's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "common/mutex.h"

namespace modelgate::h2 {

class EventLoop {
 public:
  // Readiness of a registered descriptor.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void OnReadable() = 0;
    virtual void OnWritable() = 0;
    // EPOLLERR/EPOLLHUP with nothing to read: the descriptor is dead.
    virtual void OnError() { OnReadable(); }
  };
  // Runs once at the end of every round in which it was scheduled (ScheduleFlush).
  class Flushable {
   public:
    virtual ~Flushable() = default;
    virtual void Flush() = 0;
  };

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return epfd_ >= 0 && wakefd_ >= 0; }

  // Descriptor registration (level-triggered). `want_write` adds EPOLLOUT.
  bool Add(int fd, Handler* handler, bool want_write);
  void Modify(int fd, Handler* handler, bool want_write);
  void Remove(int fd);

  // `f` flushes at the end of this round (at most once per round, whatever the calls).
  void ScheduleFlush(Flushable* f);
  // Forgets `f` (it is being destroyed).
  void CancelFlush(Flushable* f);

  // Timers: run `fn` at `when` unless cancelled. Ids are never reused.
  using TimerId = uint64_t;
  TimerId AddTimer(absl::Time when, std::function<void()> fn);
  void CancelTimer(TimerId id);

  // Deletes `h` at the end of this round, so events already gathered for it stay safe (its
  // owner marks it closed and it ignores them).
  void DeleteLater(Handler* h) { graveyard_.push_back(h); }

  // From any thread: run `fn` on the loop thread soon.
  void Post(std::function<void()> fn) ABSL_LOCKS_EXCLUDED(mu_);
  // Runs rounds until Stop(); call on the loop's thread.
  void Run();
  // Runs one round, waiting at most `timeout_ms` (-1: until something is due, as Run() does);
  // false once Stop() was seen (or the wait failed). For drivers that interleave the loop with
  // their own work on the same thread (the fuzz target in tests/fuzz).
  bool RunOnce(int timeout_ms);
  // From any thread: Run() returns after its current round.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // The time of the current round (cheaper than absl::Now() per frame).
  absl::Time now() const { return now_; }
  // Timer heap entries, cancelled ones not yet dropped included (tests: memory stays bounded).
  size_t timer_entries() const { return timers_.size(); }

 private:
  void RunTimers();
  void RunPosted() ABSL_LOCKS_EXCLUDED(mu_);
  void RunFlushes();
  int NextTimeoutMs() const;

  int epfd_ = -1;
  int wakefd_ = -1;
  absl::Time now_;
  bool stop_requested_ = false;  // loop thread's copy

  std::vector<Handler*> graveyard_;
  std::vector<Flushable*> flush_;
  std::vector<Flushable*> flushing_;

  struct Timer {
    absl::Time when;
    TimerId id;
    bool operator>(const Timer& o) const { return when > o.when || (when == o.when && id > o.id); }
  };
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  absl::flat_hash_map<TimerId, std::function<void()>> timer_fns_;
  TimerId next_timer_ = 1;

  Mutex mu_;
  std::vector<std::function<void()>> posted_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace modelgate::h2
