// A worker owns one server completion queue and the thread that polls it. Every call accepted
// on that queue, and the upstream half of that call, are driven by this one thread, so call
// state needs no locks (DESIGN.md §10: one thread per queue, upstream on the same queue).
#pragma once

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server_builder.h>

#include "absl/container/flat_hash_set.h"
#include "common/random.h"
#include "proxy/snapshot.h"

namespace modelgate::proxy {

class ProxyServer;
class ProxyCall;

class Worker {
 public:
  Worker(ProxyServer* server, grpc::AsyncGenericService* service,
         std::unique_ptr<grpc::ServerCompletionQueue> cq, int index, int64_t max_routed_calls);
  ~Worker();

  // Posts the initial accept slots and starts the polling thread.
  void Start(int accept_slots);
  // Wakes the thread to push the current health status to Watch streams.
  void NotifyHealthChanged();
  // After the server has shut down: shut the queue once no call is left, then join.
  void StopAndJoin();

  // --- called on the worker thread only ---
  grpc::ServerCompletionQueue* cq() { return cq_.get(); }
  ProxyServer* server() { return server_; }
  int index() const { return index_; }
  SplitMix64& rng() { return rng_; }
  // The current snapshot, refreshed only when the generation changed (no lock otherwise).
  const std::shared_ptr<const Snapshot>& CurrentSnapshot();
  void PostAccept();
  void CallStarted() { ++live_calls_; }
  // Routed calls in progress on this worker, against its share of proxy.max_inflight_calls.
  bool TryStartRoutedCall() {
    if (routed_calls_ >= max_routed_calls_) return false;
    ++routed_calls_;
    return true;
  }
  void RoutedCallEnded() { --routed_calls_; }
  void CallEnded();
  void AddWatcher(ProxyCall* call) { watchers_.insert(call); }
  void RemoveWatcher(ProxyCall* call) { watchers_.erase(call); }
  void OnBroadcast(int kind);

 private:
  void Run();
  void MaybeShutdownQueue();

  ProxyServer* server_;
  grpc::AsyncGenericService* service_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  int index_;
  std::thread thread_;
  SplitMix64 rng_;
  std::shared_ptr<const Snapshot> snapshot_;
  uint64_t snapshot_generation_ = 0;
  int64_t live_calls_ = 0;  // accept slots + calls in progress
  int64_t routed_calls_ = 0;
  int64_t max_routed_calls_;
  bool stopping_ = false;
  bool queue_shut_ = false;
  absl::flat_hash_set<ProxyCall*> watchers_;
};

}  // namespace modelgate::proxy
