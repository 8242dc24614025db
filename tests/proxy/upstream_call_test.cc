// The data plane's passive health signal: which upstream endings count as the backend being
// unreachable, and which prove it answered. Real calls over loopback, so the statuses and debug
// strings are exactly the ones gRPC makes.
#include "proxy/upstream_call.h"

#include <chrono>
#include <memory>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace modelgate::proxy {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// Answers Check with the status named by the requested service: "unavailable" (the backend's
// own UNAVAILABLE), "slow" (never within a short deadline), anything else OK.
class ScriptedHealth final : public Health::Service {
  grpc::Status Check(grpc::ServerContext* ctx, const HealthCheckRequest* req,
                     HealthCheckResponse* resp) override {
    if (req->service() == "unavailable") {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "model is loading");
    }
    if (req->service() == "slow") {
      while (!ctx->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return grpc::Status::CANCELLED;
    }
    resp->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

std::unique_ptr<grpc::Server> Serve(grpc::Service* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

// Calls Check(service) on `address` and feeds the ending to RecordBackendAnswer.
grpc::StatusCode CallAndRecord(const std::string& address, const std::string& service,
                               routing::BackendHealth& health,
                               std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto stub = Health::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  HealthCheckRequest req;
  req.set_service(service);
  HealthCheckResponse resp;
  const grpc::Status status = stub->Check(&ctx, req, &resp);
  RecordBackendAnswer(health, status, ctx);
  return status.error_code();
}

TEST(RecordBackendAnswer, UnreachableCountsAndAnyAnswerResets) {
  ScriptedHealth service;
  int port = 0;
  auto server = Serve(&service, &port);
  ASSERT_TRUE(server != nullptr && port > 0);
  const std::string live = absl::StrCat("127.0.0.1:", port);
  // A port nobody listens on any more: the channel fails the call itself.
  int dead_port = 0;
  Serve(&service, &dead_port)->Shutdown();
  const std::string dead = absl::StrCat("127.0.0.1:", dead_port);

  routing::BackendHealth health;
  ASSERT_EQ(CallAndRecord(dead, "", health), grpc::StatusCode::UNAVAILABLE);
  ASSERT_EQ(CallAndRecord(dead, "", health), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(health.consecutive_failures.load(), 2);

  // The backend's own UNAVAILABLE is an answer: it is reachable.
  ASSERT_EQ(CallAndRecord(live, "unavailable", health), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(health.consecutive_failures.load(), 0);

  ASSERT_EQ(CallAndRecord(dead, "", health), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(health.consecutive_failures.load(), 1);
  ASSERT_EQ(CallAndRecord(live, "", health), grpc::StatusCode::OK);
  EXPECT_EQ(health.consecutive_failures.load(), 0);
  server->Shutdown(std::chrono::system_clock::now());
}

TEST(RecordBackendAnswer, ADeadlineSaysNothingEitherWay) {
  ScriptedHealth service;
  int port = 0;
  auto server = Serve(&service, &port);
  ASSERT_TRUE(server != nullptr && port > 0);
  routing::BackendHealth health;
  health.consecutive_failures.store(2);
  ASSERT_EQ(CallAndRecord(absl::StrCat("127.0.0.1:", port), "slow", health,
                          std::chrono::milliseconds(50)),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(health.consecutive_failures.load(), 2);
  server->Shutdown(std::chrono::system_clock::now());
}

}  // namespace
}  // namespace modelgate::proxy
