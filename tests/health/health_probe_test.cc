// Health checks against a real in-process gRPC server on 127.0.0.1:0 that serves gRPC's own
// grpc.health.v1 implementation, whose statuses the test sets: the probe's verdicts, the
// checker's state machine driven check by check, and the checker's own thread.
#include "health/health_probe.h"

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "health/health_checker.h"
#include "modelgate/testing/echo.grpc.pb.h"
#include "testing/poll.h"

namespace modelgate::health {
namespace {

using modelgate::testutil::PollUntil;

class HealthServer {
 public:
  HealthServer() {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    // A synchronous server needs one synchronous service of its own to run at all.
    builder.RegisterService(&unused_);
    server_ = builder.BuildAndStart();
  }
  ~HealthServer() { Shutdown(); }
  void Shutdown() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }
  void Set(const std::string& service, bool serving) {
    server_->GetHealthCheckService()->SetServingStatus(service, serving);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  bool ok() const { return server_ != nullptr && port_ > 0; }

 private:
  int port_ = 0;
  modelgate::testing::Echo::Service unused_;
  std::unique_ptr<grpc::Server> server_;
};

config::Backend Checked(const std::string& address, const std::string& service,
                        int unhealthy_after, double interval_seconds = 1) {
  config::Backend b;
  b.name = "cand";
  b.address = address;
  b.health.enabled = true;
  b.health.service = service;
  b.health.interval_seconds = interval_seconds;
  b.health.timeout_seconds = 5;
  b.health.unhealthy_after = unhealthy_after;
  return b;
}

config::Config WithBackend(const config::Backend& b) {
  config::Config c;
  c.backends = {b};
  return c;
}

TEST(GrpcHealthProbe, ReportsWhatTheServerAnswers) {
  HealthServer server;
  ASSERT_TRUE(server.ok());
  server.Set("model", true);
  auto probe = GrpcHealthProbe::ForBackend(Checked(server.address(), "model", 1), 1 << 20);
  EXPECT_EQ(probe->Check(absl::Seconds(10)).result, CheckResult::kServing);
  server.Set("model", false);
  const CheckOutcome down = probe->Check(absl::Seconds(10));
  EXPECT_EQ(down.result, CheckResult::kNotServing);
  EXPECT_EQ(down.detail, "answered NOT_SERVING");

  auto unknown = GrpcHealthProbe::ForBackend(Checked(server.address(), "nope", 1), 1 << 20);
  const CheckOutcome missing = unknown->Check(absl::Seconds(10));
  EXPECT_EQ(missing.result, CheckResult::kError);
  EXPECT_NE(missing.detail.find("NOT_FOUND"), std::string::npos) << missing.detail;
}

TEST(GrpcHealthProbe, AStoppedServerIsAnError) {
  HealthServer server;
  ASSERT_TRUE(server.ok());
  auto probe = GrpcHealthProbe::ForBackend(Checked(server.address(), "", 1), 1 << 20);
  EXPECT_EQ(probe->Check(absl::Seconds(10)).result, CheckResult::kServing);
  server.Shutdown();
  const CheckOutcome gone = probe->Check(absl::Seconds(10));
  EXPECT_EQ(gone.result, CheckResult::kError);
  EXPECT_NE(gone.detail.find("UNAVAILABLE"), std::string::npos) << gone.detail;
}

TEST(GrpcHealthProbe, ACancelledProbeChecksNoMore) {
  HealthServer server;
  ASSERT_TRUE(server.ok());
  auto probe = GrpcHealthProbe::ForBackend(Checked(server.address(), "", 1), 1 << 20);
  probe->Cancel();
  EXPECT_EQ(probe->Check(absl::Seconds(10)).result, CheckResult::kError);
}

TEST(HealthCheckerWithGrpc, NotServingNTimesTakesItOutAndServingBringsItBack) {
  HealthServer server;
  ASSERT_TRUE(server.ok());
  server.Set("model", true);
  HealthChecker::Options options;
  options.run_threads = false;
  HealthChecker checker(nullptr, options);
  checker.Apply(WithBackend(Checked(server.address(), "model", 3)));
  auto health = checker.Lookup("cand");
  checker.CheckAllNow();
  EXPECT_TRUE(health->healthy());

  server.Set("model", false);
  checker.CheckAllNow();
  checker.CheckAllNow();
  EXPECT_TRUE(health->healthy());  // 2 of 3
  checker.CheckAllNow();
  EXPECT_FALSE(health->healthy());

  server.Set("model", true);
  checker.CheckAllNow();
  EXPECT_TRUE(health->healthy());
}

TEST(HealthCheckerWithGrpc, ItsThreadFollowsTheServerDownAndUp) {
  HealthServer server;
  ASSERT_TRUE(server.ok());
  server.Set("model", true);
  HealthChecker checker(nullptr);
  checker.Apply(WithBackend(Checked(server.address(), "model", 2, /*interval_seconds=*/0.02)));
  auto health = checker.Lookup("cand");
  EXPECT_TRUE(health->healthy());
  server.Set("model", false);
  EXPECT_TRUE(PollUntil([&] { return !health->healthy(); }, std::chrono::seconds(30)));
  server.Set("model", true);
  EXPECT_TRUE(PollUntil([&] { return health->healthy(); }, std::chrono::seconds(30)));
  checker.Stop();
}

}  // namespace
}  // namespace modelgate::health
