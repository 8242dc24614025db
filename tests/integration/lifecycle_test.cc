// Process lifecycle through real processes: gRPC health (Check and Watch, served by modelgate
// itself), /healthz and /readyz, graceful drain on SIGTERM (in-flight calls finish, exit 0),
// the drain budget, and refusing to start on a bad config or a busy port.
#include <grpcpp/client_context.h>
#include <signal.h>

#include <thread>

#include "absl/strings/str_replace.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "modelgate/testing/echo.grpc.pb.h"

namespace modelgate {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using modelgate::testing::Echo;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;

std::string Config(const std::string& backend, const std::string& drain,
                   const std::string& max_inflight = "10000") {
  return absl::StrReplaceAll(testutil::LoopbackConfig({{"legacy", backend}}, R"(
proxy: {drain_seconds: DRAIN, max_inflight_calls: MAXINFLIGHT}
routes:
  - name: echo
    strategy: forward
    forward: {backend: legacy}
)"),
                             {{"DRAIN", drain}, {"MAXINFLIGHT", max_inflight}});
}

class Lifecycle : public ::testing::Test {
 protected:
  void Start(const std::string& drain = "10", const std::string& max_inflight = "10000") {
    auto b = testutil::StartFakeModel("legacy");
    ASSERT_TRUE(b.ok()) << b.status();
    backend_.emplace(std::move(*b));
    auto mg = testutil::Modelgate::Start(dir_.Write("c.yaml", Config(backend_->address, drain, max_inflight)));
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
    channel_ = mg_->NewChannel();
  }

  // Starts a slow Echo call on a thread and returns once the proxy has it in flight.
  std::thread SlowCall(int delay_ms, grpc::Status* status) {
    std::thread t([this, delay_ms, status] {
      auto stub = Echo::NewStub(channel_);
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      EchoRequest req;
      req.set_delay_ms(delay_ms);
      EchoResponse resp;
      *status = stub->Unary(&ctx, req, &resp);
    });
    return t;
  }

  testutil::TempDir dir_;
  std::optional<testutil::ListeningProcess> backend_;
  std::unique_ptr<testutil::Modelgate> mg_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(Lifecycle, HealthCheckIsServingAndUnknownServiceIsNotFound) {
  Start();
  auto health = Health::NewStub(channel_);
  for (const char* service : {"", "modelgate"}) {
    grpc::ClientContext ctx;
    HealthCheckRequest req;
    req.set_service(service);
    HealthCheckResponse resp;
    ASSERT_TRUE(health->Check(&ctx, req, &resp).ok()) << service;
    EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING) << service;
  }
  grpc::ClientContext ctx;
  HealthCheckRequest req;
  req.set_service("no-such-service");
  HealthCheckResponse resp;
  EXPECT_EQ(health->Check(&ctx, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(mg_->Get("/healthz").status, 200);
  EXPECT_EQ(mg_->Get("/readyz").status, 200);
}

TEST_F(Lifecycle, WatchReportsServingThenNotServingOnShutdownAndEnds) {
  Start();
  auto health = Health::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = health->Watch(&ctx, HealthCheckRequest());
  HealthCheckResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
  ASSERT_TRUE(mg_->process().Signal(SIGTERM));
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(reader->Read(&resp));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(mg_->process().WaitExit(std::chrono::seconds(20)), 0);
}

TEST_F(Lifecycle, WatchOfUnknownServiceSaysServiceUnknownWithoutEnding) {
  Start();
  auto health = Health::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  HealthCheckRequest req;
  req.set_service("other");
  auto reader = health->Watch(&ctx, req);
  HealthCheckResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  ctx.TryCancel();
}

TEST_F(Lifecycle, SigtermLetsInFlightCallsFinishThenExitsZero) {
  Start();
  grpc::Status status;
  std::thread call = SlowCall(1500, &status);
  ASSERT_EQ(mg_->WaitForMetric(R"(modelgate_inflight_requests{route="echo"})", 1), 1);
  ASSERT_TRUE(mg_->process().Signal(SIGTERM));
  call.join();
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(mg_->process().WaitExit(std::chrono::seconds(20)), 0);
}

TEST_F(Lifecycle, CallsStillRunningAfterTheDrainBudgetAreCancelled) {
  Start("0.5");
  grpc::Status status;
  std::thread call = SlowCall(60000, &status);
  ASSERT_EQ(mg_->WaitForMetric(R"(modelgate_inflight_requests{route="echo"})", 1), 1);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(mg_->process().Signal(SIGTERM));
  call.join();
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(mg_->process().WaitExit(std::chrono::seconds(20)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
}

TEST_F(Lifecycle, CallsBeyondMaxInflightAreRejectedAtOnceAndCounted) {
  Start("10", "2");
  grpc::Status first, second;
  std::thread a = SlowCall(2000, &first);
  std::thread b = SlowCall(2000, &second);
  ASSERT_EQ(mg_->WaitForMetric(R"(modelgate_inflight_requests{route="echo"})", 2), 2);
  auto stub = Echo::NewStub(channel_);
  {
    grpc::ClientContext ctx;
    EchoResponse resp;
    grpc::Status s = stub->Unary(&ctx, EchoRequest(), &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_NE(s.error_message().find("max_inflight_calls"), std::string::npos) << s.error_message();
  }
  EXPECT_EQ(mg_->Metric("modelgate_overload_rejections_total"), 1);
  a.join();
  b.join();
  EXPECT_TRUE(first.ok() && second.ok());
  grpc::ClientContext ctx;  // capacity is back
  EchoResponse resp;
  EXPECT_TRUE(stub->Unary(&ctx, EchoRequest(), &resp).ok());
}

TEST_F(Lifecycle, RefusesToStartOnABadConfigNamingEveryError) {
  const std::string path = dir_.Write("bad.yaml", "listen: 127.0.0.1:0\nadmin: {listen: x}\n");
  auto child = testutil::ChildProcess::Spawn(
      {testutil::BinaryPath("modelgate"), "serve", "--config", path});
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->WaitExit(std::chrono::seconds(20)), 1);
}

TEST_F(Lifecycle, RefusesToStartWhenTheListenPortIsTaken) {
  Start();
  // A second proxy on the first one's gRPC port.
  const std::string path =
      dir_.Write("busy.yaml", absl::StrReplaceAll(Config(backend_->address, "1"),
                                                  {{"listen: 127.0.0.1:0\nadmin",
                                                    "listen: " + mg_->grpc_address() + "\nadmin"}}));
  auto child = testutil::ChildProcess::Spawn(
      {testutil::BinaryPath("modelgate"), "serve", "--config", path});
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->WaitExit(std::chrono::seconds(20)), 1);
}

TEST_F(Lifecycle, RefusesToStartWhenTheAdminPortIsTaken) {
  Start();
  const std::string path = dir_.Write(
      "busy-admin.yaml",
      absl::StrReplaceAll(Config(backend_->address, "1"),
                          {{"admin: {listen: 127.0.0.1:0}",
                            "admin: {listen: 127.0.0.1:" + std::to_string(mg_->admin_port()) + "}"}}));
  auto child = testutil::ChildProcess::Spawn(
      {testutil::BinaryPath("modelgate"), "serve", "--config", path});
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->WaitExit(std::chrono::seconds(20)), 1);
}

}  // namespace
}  // namespace modelgate
