// FakeModelServer: modelgate-fake-model's gRPC server. It serves the Open Inference Protocol,
// grpc.health.v1, the modelgate.testing.Echo service and modelgate.recommend.v1.Recommender
// with the async CompletionQueue API: `threads` queues, one polling thread each, every call
// handled on one thread without locks (the cheapest shape in gRPC 1.51, DESIGN.md §10), and no
// blocking anywhere: injected latency and delays are grpc::Alarm events.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"
#include "tools/fake_model/options.h"
#include "tools/fake_model/recommend_service.h"
#include "tools/fake_model/worker.h"

namespace modelgate::tools {

// Start() and Shutdown() are called from one controlling thread; the server's own threads do
// the rest.
class FakeModelServer {
 public:
  // Binds, starts the polling threads and returns once the server accepts calls.
  static absl::StatusOr<std::unique_ptr<FakeModelServer>> Start(const FakeModelOptions& options);

  ~FakeModelServer();

  // The bound port (the kernel's pick when options.port was 0).
  int port() const { return port_; }

  // Stops accepting calls, lets in-flight ones finish for --shutdown_grace_ms, cancels the
  // rest, and joins the threads. Idempotent.
  void Shutdown();

 private:
  explicit FakeModelServer(const FakeModelOptions& options);

  FakeModelOptions options_;
  std::unique_ptr<ServerShared> shared_;
  // modelgate.recommend.v1.Recommender; registered with the server, so it outlives it.
  std::unique_ptr<RecommendBackend> recommend_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace modelgate::tools
