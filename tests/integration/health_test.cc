// Backend health through real processes: an A/B route whose candidate has active health checks.
// Killed under a steady trickle of calls, the candidate is taken out by the checker and every
// later call is served by the reference arm; restarted on its port, it takes traffic again. A
// second test leaves out the traffic, so only the active checks can notice; a third shows the
// passive signal alone (no check due) diverting after `unhealthy_after` calls that could not
// reach the candidate.
#include <grpcpp/client_context.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/mutex.h"
#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "integration/harness.h"

namespace modelgate {
namespace {

using inference::GRPCInferenceService;
using inference::ModelInferRequest;
using inference::ModelInferResponse;
using Clock = std::chrono::steady_clock;

constexpr char kHealthy[] = R"(modelgate_backend_healthy{backend="candidate"})";
constexpr char kDiversions[] =
    R"(modelgate_diversions_total{from_arm="candidate",route="infer"})";

std::string Config(const std::string& legacy, const std::string& candidate,
                   const std::string& health) {
  return absl::StrCat(R"(listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
backends:
  - {name: legacy, address: ")", legacy, R"("}
  - name: candidate
    address: ")", candidate, R"("
    health: )", health, R"(
routes:
  - name: infer
    match: {service: inference.GRPCInferenceService}
    strategy: ab
    ab:
      arms: [{backend: legacy, weight: 50}, {backend: candidate, weight: 50}]
    arm_header: true
)");
}

absl::StatusOr<testutil::ListeningProcess> StartModel(const std::string& name, int port = 0) {
  return testutil::StartListening({testutil::BinaryPath("modelgate-fake-model"),
                                   absl::StrCat("--port=", port), absl::StrCat("--name=", name),
                                   absl::StrCat("--version=", name)});
}

struct Call {
  Clock::time_point start;
  bool ok = false;
  std::string arm;    // x-modelgate-arm
  std::string model;  // who really answered
  std::string error;
};

Call CallOnce(GRPCInferenceService::Stub& stub) {
  Call c;
  c.start = Clock::now();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ModelInferRequest req;
  req.set_model_name("m");
  ModelInferResponse resp;
  const grpc::Status s = stub.ModelInfer(&ctx, req, &resp);
  c.ok = s.ok();
  c.error = s.error_message();
  auto it = ctx.GetServerInitialMetadata().find("x-modelgate-arm");
  if (it != ctx.GetServerInitialMetadata().end()) c.arm.assign(it->second.data(), it->second.size());
  c.model = resp.model_version();
  return c;
}

// A client calling steadily (one call every few milliseconds) on its own thread.
class Trickle {
 public:
  explicit Trickle(std::shared_ptr<grpc::Channel> channel)
      : stub_(GRPCInferenceService::NewStub(channel)), thread_([this] { Run(); }) {}
  ~Trickle() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Call> Calls() {
    MutexLock lock(&mu_);
    return calls_;
  }
  // Calls that started at or after `t`.
  std::vector<Call> CallsSince(Clock::time_point t) {
    std::vector<Call> out;
    for (const Call& c : Calls())
      if (c.start >= t) out.push_back(c);
    return out;
  }

 private:
  void Run() {
    while (!stop_) {
      Call c = CallOnce(*stub_);
      {
        MutexLock lock(&mu_);
        calls_.push_back(std::move(c));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // pacing, not synchronisation
    }
  }
  std::unique_ptr<GRPCInferenceService::Stub> stub_;
  std::atomic<bool> stop_{false};
  Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

bool AnyServedBy(const std::vector<Call>& calls, const std::string& model) {
  for (const Call& c : calls)
    if (c.ok && c.model == model) return true;
  return false;
}

// The first line of the log that contains `text`, or "".
std::string LogLine(const std::string& path, const std::string& text) {
  for (const std::string& line : testutil::ReadLines(path))
    if (line.find(text) != std::string::npos) return line;
  return "";
}

bool LogHas(const std::string& path, const std::string& text) {
  return !LogLine(path, text).empty();
}

TEST(BackendHealth, AKilledCandidateIsDivertedToTheReferenceAndComesBackWhenRestarted) {
  auto legacy = StartModel("legacy");
  auto candidate = StartModel("candidate");
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  const int candidate_port = candidate->port;
  testutil::TempDir dir;
  const std::string config =
      dir.Write("health.yaml", Config(legacy->address, candidate->address,
                                      "{interval_seconds: 0.1, timeout_seconds: 1, "
                                      "unhealthy_after: 2}"));
  testutil::Modelgate::Options options;
  options.stderr_path = dir.path() + "/modelgate.log";
  auto mg = testutil::Modelgate::Start(config, options);
  ASSERT_TRUE(mg.ok()) << mg.status();
  ASSERT_EQ((*mg)->WaitForMetric(kHealthy, 1, std::chrono::seconds(30)), 1);

  Trickle trickle((*mg)->NewChannel());
  ASSERT_TRUE(testutil::PollUntil([&] { return AnyServedBy(trickle.Calls(), "candidate"); },
                                  std::chrono::seconds(30)));

  const Clock::time_point killed = Clock::now();
  ASSERT_TRUE(candidate->process.Signal(SIGKILL));
  ASSERT_TRUE(candidate->process.WaitExit(std::chrono::seconds(10)).has_value());
  ASSERT_EQ((*mg)->WaitForMetric(kHealthy, 0, std::chrono::seconds(30)), 0);
  const Clock::time_point down = Clock::now();

  // From the moment the checker's verdict is visible, every call goes to the legacy and works.
  ASSERT_TRUE(testutil::PollUntil([&] { return trickle.CallsSince(down).size() >= 200; },
                                  std::chrono::seconds(60)));
  const std::vector<Call> after = trickle.CallsSince(down);
  int wrong = 0;
  for (const Call& c : after) {
    if (!c.ok || c.arm != "legacy" || c.model != "legacy") {
      if (++wrong <= 5) ADD_FAILURE() << "call after diversion: ok=" << c.ok << " arm=" << c.arm
                                      << " model=" << c.model << " error=" << c.error;
    }
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_GT((*mg)->Metric(kDiversions), 0);
  EXPECT_GE((*mg)->Metric(
                R"(modelgate_health_checks_total{backend="candidate",result="error"})"),
            2);
  EXPECT_TRUE(testutil::PollUntil(
      [&] { return LogHas(options.stderr_path, "backend \"candidate\" is unhealthy"); },
      std::chrono::seconds(10)));
  int failed_before = 0;
  for (const Call& c : trickle.CallsSince(killed))
    if (c.start < down && !c.ok) ++failed_before;
  std::cout << "[ figures  ] kill -> unhealthy verdict visible: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(down - killed).count()
            << " ms; calls failed in between: " << failed_before << "\n"
            << LogLine(options.stderr_path, "backend \"candidate\" is unhealthy") << std::endl;

  // Restarted on its port, the candidate is checked healthy and takes its share again.
  auto restarted = StartModel("candidate", candidate_port);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  const Clock::time_point restart = Clock::now();
  ASSERT_EQ((*mg)->WaitForMetric(kHealthy, 1, std::chrono::seconds(30)), 1);
  const Clock::time_point up = Clock::now();
  EXPECT_TRUE(testutil::PollUntil(
      [&] { return AnyServedBy(trickle.CallsSince(up), "candidate"); }, std::chrono::seconds(30)));
  EXPECT_TRUE(testutil::PollUntil(
      [&] { return LogHas(options.stderr_path, "backend \"candidate\" is healthy again"); },
      std::chrono::seconds(10)));
  std::cout << "[ figures  ] restart -> healthy verdict visible: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(up - restart).count()
            << " ms" << std::endl;
  trickle.Stop();
  for (const Call& c : trickle.CallsSince(up)) {
    EXPECT_TRUE(c.ok) << "call after recovery failed: " << c.error;
  }
}

TEST(BackendHealth, WithoutTrafficTheChecksAloneTakeTheCandidateOutAndBringItBack) {
  auto legacy = StartModel("legacy");
  auto candidate = StartModel("candidate");
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  const int candidate_port = candidate->port;
  testutil::TempDir dir;
  const std::string config =
      dir.Write("health.yaml", Config(legacy->address, candidate->address,
                                      "{interval_seconds: 0.1, timeout_seconds: 1, "
                                      "unhealthy_after: 3}"));
  testutil::Modelgate::Options options;
  options.stderr_path = dir.path() + "/modelgate.log";
  auto mg = testutil::Modelgate::Start(config, options);
  ASSERT_TRUE(mg.ok()) << mg.status();
  const std::string passed =
      R"(modelgate_health_checks_total{backend="candidate",result="serving"})";
  ASSERT_TRUE(testutil::PollUntil([&] { return (*mg)->Metric(passed) >= 1; },
                                  std::chrono::seconds(30)));

  // No calls at all: only the active checks can notice.
  const Clock::time_point killed = Clock::now();
  ASSERT_TRUE(candidate->process.Signal(SIGKILL));
  ASSERT_TRUE(candidate->process.WaitExit(std::chrono::seconds(10)).has_value());
  ASSERT_EQ((*mg)->WaitForMetric(kHealthy, 0, std::chrono::seconds(30)), 0);
  std::cout << "[ figures  ] checks only (0.1 s interval, 3 failures): kill -> unhealthy "
            << "verdict visible: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed)
                   .count()
            << " ms" << std::endl;
  EXPECT_TRUE(LogHas(options.stderr_path, "3 health checks in a row failed"));
  auto stub = GRPCInferenceService::NewStub((*mg)->NewChannel());
  for (int i = 0; i < 50; ++i) {
    const Call c = CallOnce(*stub);
    EXPECT_TRUE(c.ok && c.model == "legacy") << i << ": " << c.error;
  }
  EXPECT_GT((*mg)->Metric(kDiversions), 0);

  auto restarted = StartModel("candidate", candidate_port);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  ASSERT_EQ((*mg)->WaitForMetric(kHealthy, 1, std::chrono::seconds(30)), 1);
  std::vector<Call> calls;
  EXPECT_TRUE(testutil::PollUntil(
      [&] {
        calls.push_back(CallOnce(*stub));
        return AnyServedBy(calls, "candidate");
      },
      std::chrono::seconds(30)));
  for (const Call& c : calls) EXPECT_TRUE(c.ok) << c.error;
}

TEST(BackendHealth, CallsThatCannotReachTheCandidateDivertItWithoutACheck) {
  auto legacy = StartModel("legacy");
  auto candidate = StartModel("candidate");
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  testutil::TempDir dir;
  // One check at start (it passes), then none for an hour: only the passive signal acts.
  const std::string config =
      dir.Write("health.yaml", Config(legacy->address, candidate->address,
                                      "{interval_seconds: 3600, unhealthy_after: 3}"));
  auto mg = testutil::Modelgate::Start(config);
  ASSERT_TRUE(mg.ok()) << mg.status();
  ASSERT_EQ((*mg)->WaitForMetric(kHealthy, 1, std::chrono::seconds(30)), 1);
  auto stub = GRPCInferenceService::NewStub((*mg)->NewChannel());
  std::vector<Call> before;
  for (int i = 0; i < 20; ++i) before.push_back(CallOnce(*stub));
  ASSERT_TRUE(AnyServedBy(before, "candidate"));

  ASSERT_TRUE(candidate->process.Signal(SIGKILL));
  ASSERT_TRUE(candidate->process.WaitExit(std::chrono::seconds(10)).has_value());
  std::vector<Call> calls;
  for (int i = 0; i < 100; ++i) calls.push_back(CallOnce(*stub));
  std::vector<std::string> failures;
  for (const Call& c : calls)
    if (!c.ok) failures.push_back(c.error);
  // Exactly unhealthy_after calls were sent to the dead candidate; then its share was diverted.
  EXPECT_EQ(failures.size(), 3u) << absl::StrJoin(failures, "\n");
  for (size_t i = 50; i < calls.size(); ++i) {
    EXPECT_TRUE(calls[i].ok && calls[i].model == "legacy") << i << ": " << calls[i].error;
  }
  EXPECT_GT((*mg)->Metric(kDiversions), 0);
}

}  // namespace
}  // namespace modelgate
