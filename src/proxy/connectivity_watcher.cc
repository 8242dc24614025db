// The watcher thread: one pending NotifyOnStateChange per channel, re-armed after each return.
#include "proxy/connectivity_watcher.h"

#include <utility>

namespace modelgate::proxy {

ConnectivityWatcher::ConnectivityWatcher(OnChange on_change, OnTick on_tick,
                                         std::chrono::milliseconds period)
    : on_change_(std::move(on_change)), on_tick_(std::move(on_tick)), period_(period) {
  thread_ = std::thread([this] { Run(); });
}

ConnectivityWatcher::~ConnectivityWatcher() { Stop(); }

uint64_t ConnectivityWatcher::Watch(std::shared_ptr<grpc::Channel> channel) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return 0;
  const uint64_t id = next_id_++;
  auto w = std::make_unique<Watched>();
  w->id = id;
  w->last = channel->GetState(/*try_to_connect=*/true);
  w->channel = std::move(channel);
  Arm(w.get());
  watched_.emplace(id, std::move(w));
  return id;
}

void ConnectivityWatcher::Unwatch(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = watched_.find(id);
  if (it != watched_.end()) it->second->unwatched = true;
}

void ConnectivityWatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  // Nothing is armed after stopping_ is set, so every pending tag comes back by its deadline,
  // after which the queue reports SHUTDOWN and the thread ends.
  cq_.Shutdown();
  thread_.join();
}

void ConnectivityWatcher::Arm(Watched* w) {
  w->channel->NotifyOnStateChange(w->last, std::chrono::system_clock::now() + period_, &cq_, w);
}

void ConnectivityWatcher::Run() {
  auto next_tick = std::chrono::system_clock::now() + period_;
  while (true) {
    void* tag = nullptr;
    bool ok = false;
    const auto status = cq_.AsyncNext(&tag, &ok, next_tick);
    if (status == grpc::CompletionQueue::SHUTDOWN) break;
    if (status == grpc::CompletionQueue::GOT_EVENT) OnNotification(static_cast<Watched*>(tag));
    const auto now = std::chrono::system_clock::now();
    if (now >= next_tick) {
      if (on_tick_) on_tick_();
      next_tick = now + period_;
    }
  }
}

void ConnectivityWatcher::OnNotification(Watched* w) {
  // `ok` only says whether the state changed before the deadline; reading the state answers
  // that too, and also catches a change that happened after the deadline fired.
  std::unique_ptr<Watched> done;  // destroyed (with its channel reference) outside the lock
  grpc_connectivity_state state;
  bool changed = false;
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    id = w->id;
    if (stopping_ || w->unwatched) {
      auto it = watched_.find(id);
      done = std::move(it->second);
      watched_.erase(it);
      return;
    }
    state = w->channel->GetState(/*try_to_connect=*/false);
    if (state == GRPC_CHANNEL_IDLE) w->channel->GetState(/*try_to_connect=*/true);
    changed = state != w->last;
    w->last = state;
    Arm(w);
  }
  if (changed && on_change_) on_change_(id, state);
}

}  // namespace modelgate::proxy
