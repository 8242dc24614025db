// Watches the connectivity state of upstream channels off the request path: a thread of its own
// reads every channel's state each `period`, reports changes to a callback, and asks a channel
// that went IDLE to connect again, so an upstream stays connected without traffic (pick_first
// goes IDLE when its connection drops, and would otherwise wait for the next call). `on_tick`
// runs after each round, for housekeeping on the same thread.
//
// Why reading states rather than Channel::NotifyOnStateChange: that needs a thread blocked on a
// completion queue, and with gRPC 1.51's epoll1 poller such a thread takes part in the proxy's
// network I/O and wakes the worker threads; measured here, it doubled the proxy's CPU per call
// (44 -> 92 us). A non-polling queue would avoid that, but 1.51 rejects one for state
// notifications (assertion in polling_entity.cc). GetState(false) is a cheap read, and a change
// shorter than a period (a backend restarting within 100 ms) may go unseen, which is harmless.
//
// Thread-safe. Callbacks run on the watcher thread with no lock of the watcher held, so they may
// call Watch and Unwatch.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include <grpc/grpc.h>
#include <grpcpp/channel.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace modelgate::proxy {

class ConnectivityWatcher {
 public:
  using OnChange = std::function<void(uint64_t id, grpc_connectivity_state state)>;
  using OnTick = std::function<void()>;

  ConnectivityWatcher(OnChange on_change, OnTick on_tick,
                      std::chrono::milliseconds period = std::chrono::milliseconds(100));
  ~ConnectivityWatcher();

  // Starts `channel` connecting and watches it; the id names it in callbacks and Unwatch.
  // Returns 0 (and watches nothing) once stopped.
  uint64_t Watch(std::shared_ptr<grpc::Channel> channel) ABSL_LOCKS_EXCLUDED(mu_);
  // No more callbacks for `id`, and the watcher's channel reference is dropped.
  void Unwatch(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  // Idempotent; returns once the thread has ended.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Watched {
    std::shared_ptr<grpc::Channel> channel;
    grpc_connectivity_state last;
  };

  void Run() ABSL_LOCKS_EXCLUDED(mu_);

  const OnChange on_change_;
  const OnTick on_tick_;
  const std::chrono::milliseconds period_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Watched> watched_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace modelgate::proxy
