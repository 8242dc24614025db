// The state a fake-model call handler can reach: the process-wide ServerShared (model, counters,
// shutdown flag) and the per-thread Worker (its completion queue, the async services, random
// state, pools). Every call lives on exactly one Worker and only that Worker's thread touches
// it, which is why calls need no locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/cq_tag.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/alarm.h"
#include "grpcpp/server_builder.h"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "modelgate/testing/echo.grpc.pb.h"
#include "tools/fake_model/model.h"

namespace modelgate::tools {

class InferCall;

// Thread-safe: immutable apart from the atomics.
struct ServerShared {
  explicit ServerShared(const FakeModelOptions& options) : model(options) {}

  FakeModel model;
  inference::GRPCInferenceService::AsyncService inference;
  grpc::health::v1::Health::AsyncService health;
  modelgate::testing::Echo::AsyncService echo;

  // Counted for Echo and ModelInfer calls; reported by Echo/Stats.
  std::atomic<int64_t> cancelled_calls{0};
  std::atomic<int64_t> completed_calls{0};
  // Calls being held by a delay right now (so a test can cancel one it knows has arrived).
  std::atomic<int64_t> held_calls{0};

  // Set before Server::Shutdown so that finishing calls stop posting new request slots.
  std::atomic<bool> shutting_down{false};
};

// Thread-compatible: owned and used by one polling thread. Its own completion-queue event is the
// shutdown marker posted by RequestQueueShutdown().
class Worker final : public CqHandler {
 public:
  Worker(ServerShared& shared, std::unique_ptr<grpc::ServerCompletionQueue> cq, uint64_t seed);
  ~Worker() override;

  ServerShared& shared() { return shared_; }
  const FakeModel& model() const { return shared_.model; }
  const FakeModelOptions& options() const { return shared_.model.options(); }
  grpc::ServerCompletionQueue* cq() { return cq_.get(); }
  ModelRandom& random() { return random_; }

  // False once shutdown began: a finishing call must not post a replacement slot, because the
  // queue may be shut down right after.
  bool accepting() const { return !shared_.shutting_down.load(std::memory_order_acquire); }

  // Posts one request slot per method; call once before Run().
  void PostInitialCalls();

  // Polls the queue until it is shut down and drained.
  void Run();

  void OnEvent(int kind, bool ok) override;

  // Asks the polling thread to shut its queue down once everything queued before is handled.
  // Call after Server::Shutdown returned. Because the queue is shut down from its own thread,
  // no handler can post to it afterwards.
  void RequestQueueShutdown();

  // Pool of idle ModelInfer call objects, reused to keep the hot path allocation-light.
  std::vector<InferCall*>& infer_pool() { return infer_pool_; }

  // Keeps a method description alive as long as the worker, for calls that point to it.
  template <typename T>
  const T& Keep(T value) {
    auto owned = std::make_shared<T>(std::move(value));
    const T& ref = *owned;
    kept_.push_back(std::move(owned));
    return ref;
  }

 private:
  enum Event { kShutdownMarker = 0 };

  ServerShared& shared_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  ModelRandom random_;
  std::vector<InferCall*> infer_pool_;
  std::vector<std::shared_ptr<const void>> kept_;
  grpc::Alarm shutdown_alarm_;
};

}  // namespace modelgate::tools
