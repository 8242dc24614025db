// Watches the connectivity state of upstream channels off the request path: a thread of its own
// reads every channel's state each `period`, reports changes to a callback, and asks a channel
// that went IDLE to connect again, so an upstream stays connected without traffic (pick_first
// goes IDLE when its connection drops, and would otherwise wait for the next call). `on_tick`
// runs after each round, for housekeeping on the same thread.
//
// Between rounds the thread waits on a completion queue of its own (nothing is ever queued on
// it). With gRPC 1.51's epoll1 poller a thread waiting on any queue polls every gRPC socket, and
// the data plane does not use gRPC, so no other thread would: without it an idle channel saw its
// backend's connection close only when gRPC's backup poller ran (every 5 s), and the connected
// gauge lagged a killed backend by up to 10 s. (When calls went through gRPC, such a polling
// thread woke the worker threads and doubled the CPU per call; that plane is gone.) A change
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
  grpc::CompletionQueue cq_;  // waited on between rounds: drives gRPC's socket polling
  std::thread thread_;
};

}  // namespace modelgate::proxy
