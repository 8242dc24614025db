// Implementation of FakeModelServer; see server.h.
#include "tools/fake_model/server.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace modelgate::tools {
namespace {

// Generous limits, so that message-size tests exercise the proxy's limits, not ours.
constexpr int kMaxMessageBytes = 64 << 20;

std::string HostPort(const std::string& host, int64_t port) {
  bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return ipv6 ? absl::StrCat("[", host, "]:", port) : absl::StrCat(host, ":", port);
}

}  // namespace

FakeModelServer::FakeModelServer(const FakeModelOptions& options)
    : options_(options),
      shared_(std::make_unique<ServerShared>(options)),
      recommend_(std::make_unique<RecommendBackend>(options)) {}

absl::StatusOr<std::unique_ptr<FakeModelServer>> FakeModelServer::Start(
    const FakeModelOptions& options) {
  std::unique_ptr<FakeModelServer> self(new FakeModelServer(options));
  grpc::ServerBuilder builder;
  int selected_port = 0;
  std::string address = HostPort(options.host, options.port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &selected_port);
  builder.RegisterService(&self->shared_->inference);
  builder.RegisterService(&self->shared_->health);
  builder.RegisterService(&self->shared_->echo);
  builder.RegisterService(&self->recommend_->service());
  // gRPC sets SO_REUSEPORT by default, which would let two servers share a fixed --port
  // silently; a clash must fail loudly instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options.minimal_stack) builder.AddChannelArgument(GRPC_ARG_MINIMAL_STACK, 1);
  if (options.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                               static_cast<int>(options.max_concurrent_streams));
  }
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  for (int64_t i = 0; i < options.threads; ++i) queues.push_back(builder.AddCompletionQueue());

  self->server_ = builder.BuildAndStart();
  if (self->server_ == nullptr || selected_port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  }
  self->port_ = selected_port;
  for (size_t i = 0; i < queues.size(); ++i) {
    // Distinct streams per thread, reproducible from --seed.
    uint64_t seed = static_cast<uint64_t>(options.seed) * 0x9E3779B97F4A7C15ULL + i;
    self->workers_.push_back(
        std::make_unique<Worker>(*self->shared_, std::move(queues[i]), seed));
  }
  for (auto& worker : self->workers_) {
    worker->PostInitialCalls();
    PostRecommendCalls(*worker, *self->recommend_);
    self->threads_.emplace_back([w = worker.get()] { w->Run(); });
  }
  return self;
}

FakeModelServer::~FakeModelServer() { Shutdown(); }

void FakeModelServer::Shutdown() {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  shared_->shutting_down.store(true, std::memory_order_release);
  // Blocks until in-flight calls end (or are cancelled at the deadline); the polling threads
  // keep running meanwhile and complete them.
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(options_.shutdown_grace_ms));
  for (auto& worker : workers_) worker->RequestQueueShutdown();
  for (std::thread& t : threads_) t.join();
  // As in gRPC's examples: the server goes before the queues it was built with.
  server_.reset();
  workers_.clear();
}

}  // namespace modelgate::tools
