// Watches the connectivity state of upstream channels off the request path: one thread with a
// completion queue of its own (Channel::NotifyOnStateChange) reports every state change to a
// callback and asks a channel that went IDLE to connect again, so an upstream stays connected
// without traffic (pick_first goes IDLE when its connection drops, and would otherwise wait for
// the next call). `on_tick` runs about every `period`, for housekeeping on the same thread.
//
// Thread-safe. Callbacks run on the watcher thread with no lock of the watcher held, so they may
// call Watch and Unwatch. Stop (or the destructor) returns within about one period: pending
// notifications carry that deadline, and the queue cannot shut down before they return.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include <grpc/grpc.h>
#include <grpcpp/channel.h>
#include <grpcpp/completion_queue.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace modelgate::proxy {

class ConnectivityWatcher {
 public:
  using OnChange = std::function<void(uint64_t id, grpc_connectivity_state state)>;
  using OnTick = std::function<void()>;

  ConnectivityWatcher(OnChange on_change, OnTick on_tick,
                      std::chrono::milliseconds period = std::chrono::milliseconds(500));
  ~ConnectivityWatcher();

  // Starts `channel` connecting and watches it; the id names it in callbacks and Unwatch.
  // Returns 0 (and watches nothing) once stopped.
  uint64_t Watch(std::shared_ptr<grpc::Channel> channel) ABSL_LOCKS_EXCLUDED(mu_);
  // No more callbacks for `id`; the watcher drops its channel reference on its own thread once
  // the pending notification returns.
  void Unwatch(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  // Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Watched {
    uint64_t id;
    std::shared_ptr<grpc::Channel> channel;
    grpc_connectivity_state last;
    bool unwatched = false;
  };

  void Run();
  void OnNotification(Watched* w) ABSL_LOCKS_EXCLUDED(mu_);
  void Arm(Watched* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const OnChange on_change_;
  const OnTick on_tick_;
  const std::chrono::milliseconds period_;
  grpc::CompletionQueue cq_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Watched>> watched_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace modelgate::proxy
