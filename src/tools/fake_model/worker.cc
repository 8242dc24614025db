// Implementation of Worker; see worker.h.
#include "tools/fake_model/worker.h"

#include <chrono>

#include "tools/fake_model/infer_call.h"
#include "tools/fake_model/services.h"

namespace modelgate::tools {

Worker::Worker(ServerShared& shared, std::unique_ptr<grpc::ServerCompletionQueue> cq,
               uint64_t seed)
    : shared_(shared), cq_(std::move(cq)), random_(seed) {}

Worker::~Worker() {
  // By now the queue is drained: every call object has either deleted itself or is idle here.
  for (InferCall* call : infer_pool_) delete call;
}

void Worker::PostInitialCalls() {
  PostInferenceCalls(*this);
  PostHealthCalls(*this);
  PostEchoCalls(*this);
}

void Worker::Run() {
  void* tag = nullptr;
  bool ok = false;
  while (cq_->Next(&tag, &ok)) CqHandler::Dispatch(tag, ok);
}

void Worker::RequestQueueShutdown() {
  shutdown_alarm_.Set(cq_.get(), std::chrono::system_clock::now(), Tag(kShutdownMarker));
}

void Worker::OnEvent(int /*kind: kShutdownMarker*/, bool /*ok*/) { cq_->Shutdown(); }

}  // namespace modelgate::tools
