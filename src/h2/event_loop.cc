// The epoll loop; see event_loop.h.
#include "h2/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace modelgate::h2 {
namespace {

// The wake descriptor's handler slot: a sentinel, never dereferenced.
EventLoop::Handler* const kWake = nullptr;

}  // namespace

EventLoop::EventLoop() : now_(absl::Now()) {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ >= 0 && wakefd_ >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = kWake;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
  }
}

EventLoop::~EventLoop() {
  for (Handler* h : graveyard_) delete h;
  if (wakefd_ >= 0) close(wakefd_);
  if (epfd_ >= 0) close(epfd_);
}

bool EventLoop::Add(int fd, Handler* handler, bool want_write) {
  epoll_event ev{};
  ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
  ev.data.ptr = handler;
  return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void EventLoop::Modify(int fd, Handler* handler, bool want_write) {
  epoll_event ev{};
  ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
  ev.data.ptr = handler;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::Remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::ScheduleFlush(Flushable* f) {
  // Linear search: a round schedules a handful of connections, and a flat vector beats a set.
  if (std::find(flush_.begin(), flush_.end(), f) == flush_.end()) flush_.push_back(f);
}

void EventLoop::CancelFlush(Flushable* f) {
  std::replace(flush_.begin(), flush_.end(), f, static_cast<Flushable*>(nullptr));
  std::replace(flushing_.begin(), flushing_.end(), f, static_cast<Flushable*>(nullptr));
}

EventLoop::TimerId EventLoop::AddTimer(absl::Time when, std::function<void()> fn) {
  const TimerId id = next_timer_++;
  timers_.push(Timer{when, id});
  timer_fns_.emplace(id, std::move(fn));
  // A cancelled timer leaves its heap entry until it is due, and a client's deadline may be
  // years away: when cancelled entries outnumber live ones (and a few), the heap is rebuilt
  // from the live ones, so its size stays within 2x the live timers (amortised O(log n)).
  if (timers_.size() > 2 * timer_fns_.size() + 1024) {
    std::vector<Timer> live;
    live.reserve(timer_fns_.size());
    for (; !timers_.empty(); timers_.pop()) {
      if (timer_fns_.contains(timers_.top().id)) live.push_back(timers_.top());
    }
    timers_ = decltype(timers_)(std::greater<Timer>(), std::move(live));
  }
  return id;
}

void EventLoop::CancelTimer(TimerId id) { timer_fns_.erase(id); }

void EventLoop::Post(std::function<void()> fn) {
  {
    MutexLock lock(&mu_);
    posted_.push_back(std::move(fn));
  }
  const uint64_t one = 1;
  (void)!write(wakefd_, &one, sizeof(one));
}

void EventLoop::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  const uint64_t one = 1;
  (void)!write(wakefd_, &one, sizeof(one));
}

int EventLoop::NextTimeoutMs() const {
  if (!flush_.empty()) return 0;
  if (timers_.empty()) return -1;
  const absl::Duration d = timers_.top().when - absl::Now();
  if (d <= absl::ZeroDuration()) return 0;
  // Round up: waking a millisecond early would spin until the timer is due. Capped before
  // adding, so that no distance, however far, can overflow.
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), 59'999) + 1);
}

void EventLoop::RunTimers() {
  while (!timers_.empty() && timers_.top().when <= now_) {
    const TimerId id = timers_.top().id;
    timers_.pop();
    auto it = timer_fns_.find(id);
    if (it == timer_fns_.end()) continue;  // cancelled
    std::function<void()> fn = std::move(it->second);
    timer_fns_.erase(it);
    fn();
  }
}

void EventLoop::RunPosted() {
  std::vector<std::function<void()>> tasks;
  {
    MutexLock lock(&mu_);
    tasks.swap(posted_);
    if (stop_) stop_requested_ = true;
  }
  for (auto& t : tasks) t();
}

void EventLoop::RunFlushes() {
  // A flush can schedule another (a stream pair spans two connections): repeat until quiet.
  for (int pass = 0; pass < 8 && !flush_.empty(); ++pass) {
    flushing_.swap(flush_);
    for (size_t i = 0; i < flushing_.size(); ++i) {
      if (Flushable* f = flushing_[i]) {
        flushing_[i] = nullptr;
        f->Flush();
      }
    }
    flushing_.clear();
  }
}

void EventLoop::Run() {
  while (RunOnce(-1)) {
  }
}

bool EventLoop::RunOnce(int timeout_ms) {
  if (stop_requested_) return false;
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int wait_ms = NextTimeoutMs();
  if (timeout_ms >= 0 && (wait_ms < 0 || wait_ms > timeout_ms)) wait_ms = timeout_ms;
  const int n = epoll_wait(epfd_, events, kMaxEvents, wait_ms);
  now_ = absl::Now();
  if (n < 0 && errno != EINTR) return false;
  bool woken = false;
  for (int i = 0; i < n; ++i) {
    Handler* h = static_cast<Handler*>(events[i].data.ptr);
    if (h == kWake) {
      uint64_t v;
      (void)!read(wakefd_, &v, sizeof(v));
      woken = true;
      continue;
    }
    const uint32_t e = events[i].events;
    if ((e & EPOLLIN) != 0) {
      h->OnReadable();
    } else if ((e & (EPOLLERR | EPOLLHUP)) != 0) {
      h->OnError();
      continue;
    }
    if ((e & EPOLLOUT) != 0) h->OnWritable();
  }
  RunTimers();
  if (woken) RunPosted();
  RunFlushes();
  while (!graveyard_.empty()) {
    std::vector<Handler*> dead;
    dead.swap(graveyard_);
    for (Handler* h : dead) delete h;
  }
  return !stop_requested_;
}

}  // namespace modelgate::h2
