// InferCall: the ModelInfer hot path of modelgate-fake-model. Objects are pooled per Worker and
// reused (request, response and their protobuf allocations survive between calls), so a call
// costs gRPC's own work plus the arithmetic. Injected latency waits on a grpc::Alarm, never on
// a thread. The done notification is requested only when the server injects latency: then a
// cancelled call stops waiting at once; without latency there is nothing to interrupt, and the
// hot path saves that extra completion.
#pragma once

#include <optional>

#include "common/cq_tag.h"
#include "grpcpp/alarm.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/async_unary_call.h"
#include "inference/grpc_predict_v2.pb.h"
#include "tools/fake_model/worker.h"

namespace modelgate::tools {

// Thread-compatible: used only by its Worker's thread.
class InferCall final : public CqHandler {
 public:
  // Posts a ModelInfer request slot on `worker`, reusing a pooled object when there is one.
  static void Post(Worker& worker);

  void OnEvent(int kind, bool ok) override;

 private:
  enum Event { kAccepted = 0, kAlarm, kFinished, kDone };

  explicit InferCall(Worker& worker) : worker_(worker) {}
  void Arm();  // Fresh context and writer, then posts the slot.

  void OnAccepted(bool ok);
  void OnAlarm(bool ok);
  void OnFinished(bool ok);
  void OnDone(bool ok);
  void Respond();
  void MaybeRecycle();

  Worker& worker_;
  std::optional<grpc::ServerContext> ctx_;
  std::optional<grpc::ServerAsyncResponseWriter<inference::ModelInferResponse>> responder_;
  inference::ModelInferRequest request_;
  inference::ModelInferResponse response_;
  grpc::Status status_;
  std::optional<grpc::Alarm> alarm_;

  // Only used when the server injects latency (then the done notification is requested).
  bool track_done_ = false;
  bool done_ = false;
  bool finished_ = false;
  bool alarm_pending_ = false;
};

}  // namespace modelgate::tools
