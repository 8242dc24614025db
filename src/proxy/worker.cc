// Worker thread: poll the queue and dispatch tags; cross-thread wake-ups use grpc::Alarm.
#include "proxy/worker.h"

#include <random>

#include <grpcpp/alarm.h>

#include "proxy/server_call.h"
#include "proxy/server.h"

namespace modelgate::proxy {
namespace {

enum BroadcastKind { kHealthChanged = 0, kStop = 1 };

// A one-shot wake-up of a worker thread from another thread.
class Broadcast final : public CqHandler {
 public:
  Broadcast(Worker* worker, int kind) : worker_(worker), kind_(kind) {
    alarm_.Set(worker->cq(), gpr_now(GPR_CLOCK_MONOTONIC), Tag(0));
  }
  void OnEvent(int, bool) override {
    worker_->OnBroadcast(kind_);
    delete this;
  }

 private:
  Worker* worker_;
  int kind_;
  grpc::Alarm alarm_;
};

}  // namespace

Worker::Worker(ProxyServer* server, grpc::AsyncGenericService* service,
               std::unique_ptr<grpc::ServerCompletionQueue> cq, int index,
               int64_t max_routed_calls)
    : server_(server),
      service_(service),
      cq_(std::move(cq)),
      index_(index),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(index) << 32)),
      max_routed_calls_(max_routed_calls) {}

Worker::~Worker() {
  if (thread_.joinable()) thread_.join();
}

void Worker::Start(int accept_slots) {
  for (int i = 0; i < accept_slots; ++i) PostAccept();
  thread_ = std::thread([this] { Run(); });
}

void Worker::PostAccept() { (new ServerCall(this))->Accept(service_); }

telemetry::Metrics& Worker::metrics() { return server_->metrics(); }
int64_t Worker::max_message_bytes() const { return server_->max_message_bytes(); }
bool Worker::accepting() const { return server_->accepting(); }
bool Worker::serving() const { return server_->serving(); }
bool Worker::stopping() const { return server_->stopping(); }

const std::shared_ptr<const Snapshot>& Worker::CurrentSnapshot() {
  const uint64_t g = server_->generation();
  if (g != snapshot_generation_) {
    snapshot_ = server_->snapshot();
    snapshot_generation_ = snapshot_->generation();
  }
  return snapshot_;
}

void Worker::Run() {
  void* tag;
  bool ok;
  while (cq_->Next(&tag, &ok)) {
    CqHandler::Dispatch(tag, ok);
    if (stopping_) MaybeShutdownQueue();
  }
}

void Worker::NotifyHealthChanged() { new Broadcast(this, kHealthChanged); }

void Worker::StopAndJoin() {
  new Broadcast(this, kStop);
  if (thread_.joinable()) thread_.join();
}

void Worker::OnBroadcast(int kind) {
  if (kind == kStop) {
    stopping_ = true;
    shadows_.CancelAll();  // shadows are never waited for
    return;
  }
  // Copy: a push may finish a Watch call, which removes itself from the set.
  std::vector<HealthWatcher*> watchers(watchers_.begin(), watchers_.end());
  for (HealthWatcher* w : watchers) w->PushHealth();
}

void Worker::MaybeShutdownQueue() {
  // Calls still running may start new operations on this queue (e.g. the upstream Finish after
  // a cancellation), which is illegal after Shutdown: wait until the last one is gone.
  if (!queue_shut_ && live_calls_ == 0) {
    queue_shut_ = true;
    cq_->Shutdown();
  }
}

}  // namespace modelgate::proxy
