// The watcher thread: one round over the watched channels per period.
#include "proxy/connectivity_watcher.h"

#include <utility>
#include <vector>

#include "absl/time/time.h"

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
  const grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  watched_.emplace(id, Watched{std::move(channel), state});
  return id;
}

void ConnectivityWatcher::Unwatch(uint64_t id) {
  std::shared_ptr<grpc::Channel> dropped;  // released after the lock
  absl::MutexLock lock(&mu_);
  auto it = watched_.find(id);
  if (it == watched_.end()) return;
  dropped = std::move(it->second.channel);
  watched_.erase(it);
}

void ConnectivityWatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cq_.Shutdown();  // wakes the thread's wait
  thread_.join();
  absl::MutexLock lock(&mu_);
  watched_.clear();
}

void ConnectivityWatcher::Run() {
  std::vector<std::pair<uint64_t, grpc_connectivity_state>> changes;
  while (true) {
    changes.clear();
    // Polls gRPC's sockets for a period (nothing is queued: it returns at the deadline, or at
    // once when Stop shuts the queue down).
    void* tag;
    bool ok;
    if (cq_.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + period_) ==
        grpc::CompletionQueue::SHUTDOWN) {
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      for (auto& [id, w] : watched_) {
        const grpc_connectivity_state state = w.channel->GetState(/*try_to_connect=*/false);
        if (state == GRPC_CHANNEL_IDLE) w.channel->GetState(/*try_to_connect=*/true);
        if (state == w.last) continue;
        w.last = state;
        changes.emplace_back(id, state);
      }
    }
    if (on_change_) {
      for (const auto& [id, state] : changes) on_change_(id, state);
    }
    if (on_tick_) on_tick_();
  }
}

}  // namespace modelgate::proxy
