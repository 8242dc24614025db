// What a call sees of the worker that drives it: its completion queue, the current routing
// snapshot, its random source, admission, health watchers, the shadow dispatcher. A small
// interface rather than the Worker class, so call objects do not depend on (or cycle with) it.
// Every method is called on the worker's own thread.
#pragma once

#include <cstdint>
#include <memory>

#include <grpcpp/completion_queue.h>

#include "common/random.h"

namespace modelgate::telemetry {
class Metrics;
}

namespace modelgate::proxy {

class Snapshot;
class ShadowDispatcher;

// A call that streams health status (grpc.health.v1.Health/Watch).
class HealthWatcher {
 public:
  virtual ~HealthWatcher() = default;
  virtual void PushHealth() = 0;
};

class CallEnv {
 public:
  virtual ~CallEnv() = default;

  virtual grpc::ServerCompletionQueue* cq() = 0;
  virtual int shard() const = 0;  // the worker's index: outcome sinks shard by it
  virtual SplitMix64& rng() = 0;
  // The current snapshot, refreshed only when its generation changed (no lock otherwise).
  virtual const std::shared_ptr<const Snapshot>& CurrentSnapshot() = 0;
  virtual telemetry::Metrics& metrics() = 0;
  virtual int64_t max_message_bytes() const = 0;

  virtual bool accepting() const = 0;  // new calls are taken (not draining)
  virtual bool serving() const = 0;    // health says SERVING
  virtual bool stopping() const = 0;

  // Accept slots and the calls or legs they become keep the queue alive until they end.
  virtual void PostAccept() = 0;
  virtual void CallStarted() = 0;
  virtual void CallEnded() = 0;
  // Routed calls in progress on this worker, against its share of proxy.max_inflight_calls.
  virtual bool TryStartRoutedCall() = 0;
  virtual void RoutedCallEnded() = 0;

  virtual void AddWatcher(HealthWatcher* watcher) = 0;
  virtual void RemoveWatcher(HealthWatcher* watcher) = 0;
  virtual ShadowDispatcher& shadows() = 0;
};

}  // namespace modelgate::proxy
