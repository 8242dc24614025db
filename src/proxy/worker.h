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
#include "proxy/call_env.h"
#include "proxy/shadow_dispatcher.h"
#include "proxy/snapshot.h"

namespace modelgate::proxy {

class ProxyServer;

class Worker final : public CallEnv {
 public:
  Worker(ProxyServer* server, grpc::AsyncGenericService* service,
         std::unique_ptr<grpc::ServerCompletionQueue> cq, int index, int64_t max_routed_calls);
  ~Worker() override;

  // Posts the initial accept slots and starts the polling thread.
  void Start(int accept_slots);
  // Wakes the thread to push the current health status to Watch streams.
  void NotifyHealthChanged();
  // After the server has shut down: cancel shadow legs, shut the queue once no call is left,
  // then join.
  void StopAndJoin();

  // --- CallEnv: called on the worker thread only ---
  grpc::ServerCompletionQueue* cq() override { return cq_.get(); }
  int shard() const override { return index_; }
  SplitMix64& rng() override { return rng_; }
  const std::shared_ptr<const Snapshot>& CurrentSnapshot() override;
  telemetry::Metrics& metrics() override;
  int64_t max_message_bytes() const override;
  bool accepting() const override;
  bool serving() const override;
  bool stopping() const override;
  void PostAccept() override;
  void CallStarted() override { ++live_calls_; }
  void CallEnded() override { --live_calls_; }
  bool TryStartRoutedCall() override {
    if (routed_calls_ >= max_routed_calls_) return false;
    ++routed_calls_;
    return true;
  }
  void RoutedCallEnded() override { --routed_calls_; }
  void AddWatcher(HealthWatcher* watcher) override { watchers_.insert(watcher); }
  void RemoveWatcher(HealthWatcher* watcher) override { watchers_.erase(watcher); }
  ShadowDispatcher& shadows() override { return shadows_; }

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
  int64_t live_calls_ = 0;  // accept slots, calls in progress and shadow legs
  int64_t routed_calls_ = 0;
  int64_t max_routed_calls_;
  bool stopping_ = false;
  bool queue_shut_ = false;
  absl::flat_hash_set<HealthWatcher*> watchers_;
  ShadowDispatcher shadows_{this};
};

}  // namespace modelgate::proxy
