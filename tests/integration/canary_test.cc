// The canary through real processes: a candidate killed mid-canary under load is rolled back
// while fallback keeps every client call successful (the audit log has the evidence); the
// manual gates need the admin token; a reload and a restart both keep the canary's step.
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "nlohmann/json.hpp"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "testing/raw_http.h"

namespace modelgate {
namespace {

using inference::GRPCInferenceService;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kWait(20'000);
constexpr char kToken[] = "s3cret-token";

std::string CanaryConfig(const std::string& legacy, const std::string& candidate,
                         const std::string& steps, bool fallback) {
  return testutil::LoopbackConfig({{"legacy", legacy}, {"candidate", candidate}},
                                  absl::StrCat(R"(state_dir: state
routes:
  - name: predict
    match: {service: inference.GRPCInferenceService, method: ModelInfer}
    strategy: canary
    arm_header: true
    canary:
      legacy: legacy
      candidate: candidate
      sticky_header: x-user-id
      steps: )", steps, R"(
      step_seconds: 3600
      min_requests_per_step: 50
      max_failed_checks: 3
      on_candidate_error: )", fallback ? "fallback_to_legacy" : "fail", R"(
      gates: {max_error_rate: 0.05, rollback_error_rate: 0.5}
    monitor: {interval_seconds: 0.2}
)"),
                                  "token_file: token");
}

json CanaryStatus(const testutil::Modelgate& mg) {
  const testutil::HttpResponse r = mg.Get("/api/v1/routes/predict/canary");
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body, nullptr, false);
}

testutil::RawResponse PostJson(const testutil::Modelgate& mg, const std::string& path,
                               const std::string& body, const std::string& token) {
  const std::string request = absl::StrCat(
      "POST ", path, " HTTP/1.1\r\nHost: admin\r\n",
      token.empty() ? "" : absl::StrCat("Authorization: Bearer ", token, "\r\n"),
      "Content-Type: application/json\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
  absl::StatusOr<testutil::RawResponse> r = testutil::RawRequest(mg.admin_port(), request, kWait);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.value_or(testutil::RawResponse{});
}

// Closed-loop callers with distinct users; counts calls, failures and candidate answers.
class Load {
 public:
  Load(std::shared_ptr<grpc::Channel> channel, int threads) {
    for (int t = 0; t < threads; ++t) {
      pool_.emplace_back([this, channel, t] {
        auto stub = GRPCInferenceService::NewStub(channel);
        for (int i = 0; !stop_.load(); ++i) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
          ctx.AddMetadata("x-user-id", absl::StrCat("user-", t, "-", i % 500));
          inference::ModelInferRequest req;
          req.set_model_name("m");
          inference::ModelInferResponse resp;
          const grpc::Status s = stub->ModelInfer(&ctx, req, &resp);
          ++calls_;
          if (!s.ok()) {
            ++failures_;
            last_error_ = s.error_message();
          } else if (resp.model_version() == "cand") {
            ++candidate_;
          }
        }
      });
    }
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    for (std::thread& t : pool_) {
      if (t.joinable()) t.join();
    }
  }
  int64_t calls() const { return calls_; }
  int64_t failures() const { return failures_; }
  int64_t candidate() const { return candidate_; }
  std::string last_error() const { return last_error_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> calls_{0}, failures_{0}, candidate_{0};
  std::string last_error_;  // written only by failing threads; read after Stop
  std::vector<std::thread> pool_;
};

TEST(CanaryEndToEnd, KilledCandidateIsRolledBackWithZeroClientErrors) {
  testutil::TempDir dir;
  dir.Write("token", kToken);
  auto legacy = testutil::StartFakeModel("legacy");
  auto candidate = testutil::StartFakeModel("candidate", {"--version=cand"});
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", CanaryConfig(legacy->address, candidate->address, "[50, 100]", true)));
  ASSERT_TRUE(mg.ok()) << mg.status();

  Load load((*mg)->NewChannel(), 4);
  ASSERT_TRUE(testutil::PollUntil([&] { return load.candidate() >= 200; }, kWait))
      << "the candidate never answered";
  EXPECT_EQ(CanaryStatus(**mg)["state"].get<std::string>().substr(0, 4) != "roll", true);

  candidate->process.Signal(SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(testutil::PollUntil([&] { return CanaryStatus(**mg)["state"] == "rolled_back"; },
                                  kWait))
      << CanaryStatus(**mg).dump(2);
  const auto rollback_ms = std::chrono::duration_cast<milliseconds>(
                               std::chrono::steady_clock::now() - killed_at)
                               .count();
  // Keep calling after the rollback: everything is on the legacy.
  const int64_t at_rollback = load.calls();
  ASSERT_TRUE(testutil::PollUntil([&] { return load.calls() >= at_rollback + 200; }, kWait));
  load.Stop();
  std::printf("candidate killed -> rolled back in %lld ms; %lld calls, %lld client errors\n",
              static_cast<long long>(rollback_ms), static_cast<long long>(load.calls()),
              static_cast<long long>(load.failures()));
  EXPECT_EQ(load.failures(), 0) << load.last_error();
  EXPECT_EQ((*mg)->Metric("modelgate_canary_weight{route=\"predict\"}"), 0);
  EXPECT_EQ((*mg)->Metric("modelgate_canary_state{route=\"predict\",state=\"rolled_back\"}"), 1);
  EXPECT_GT((*mg)->Metric("modelgate_fallbacks_total{code=\"UNAVAILABLE\",route=\"predict\"}"), 0);

  // The audit log: the rollback, by the controller, with the evidence that caused it.
  std::vector<json> events;
  for (const std::string& line : testutil::ReadLines(dir.path() + "/state/audit.log")) {
    events.push_back(json::parse(line));
  }
  ASSERT_FALSE(events.empty());
  const json& last = events.back();
  EXPECT_EQ(last["to"]["state"], "rolled_back") << last.dump(2);
  EXPECT_EQ(last["actor"], "controller");
  EXPECT_EQ(last["weights"]["candidate"], 0);
  EXPECT_GE(last["evidence"]["candidate"]["step_error_rate"].get<double>(), 0.5) << last.dump(2);
  EXPECT_EQ(last["thresholds"]["rollback_error_rate"], 0.5);
}

TEST(CanaryEndToEnd, ManualGatesNeedTheTokenAndTheStepSurvivesReloadAndRestart) {
  testutil::TempDir dir;
  dir.Write("token", kToken);
  auto legacy = testutil::StartFakeModel("legacy");
  auto candidate = testutil::StartFakeModel("candidate", {"--version=cand"});
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  const std::string config = dir.Write(
      "c.yaml", CanaryConfig(legacy->address, candidate->address, "[10, 50, 100]", false));
  auto mg = testutil::Modelgate::Start(config);
  ASSERT_TRUE(mg.ok()) << mg.status();
  EXPECT_EQ(CanaryStatus(**mg)["step"], 0);

  EXPECT_EQ(PostJson(**mg, "/api/v1/routes/predict/canary/step", R"({"step": 1})", "").status,
            401);
  EXPECT_EQ(PostJson(**mg, "/api/v1/routes/predict/canary/step", R"({"step": 1})", "wrong").status,
            401);
  EXPECT_EQ(CanaryStatus(**mg)["step"], 0);  // nothing changed
  EXPECT_EQ(PostJson(**mg, "/api/v1/routes/predict/canary/step", R"({"step": 7})", kToken).status,
            400);
  EXPECT_EQ(PostJson(**mg, "/api/v1/routes/predict/canary/resume", "", kToken).status, 409);
  EXPECT_EQ(PostJson(**mg, "/api/v1/routes/nope/canary/pause", "", kToken).status, 404);
  const testutil::RawResponse stepped =
      PostJson(**mg, "/api/v1/routes/predict/canary/step", R"({"step": 1})", kToken);
  ASSERT_EQ(stepped.status, 200) << stepped.body;
  EXPECT_EQ(json::parse(stepped.body)["candidate_percent"], 50);

  // Under load, a reload keeps the step, and no call fails.
  {
    Load load((*mg)->NewChannel(), 2);
    ASSERT_TRUE(testutil::PollUntil([&] { return load.calls() >= 100; }, kWait));
    EXPECT_EQ(PostJson(**mg, "/api/v1/reload", "", kToken).status, 200);
    const int64_t after = load.calls();
    ASSERT_TRUE(testutil::PollUntil([&] { return load.calls() >= after + 100; }, kWait));
    load.Stop();
    EXPECT_EQ(load.failures(), 0) << load.last_error();
    // About half the users on the candidate at step 1 (50%).
    EXPECT_GT(load.candidate(), load.calls() / 4);
  }
  EXPECT_EQ(CanaryStatus(**mg)["step"], 1);

  // A restart resumes where it was.
  (*mg)->process().Signal(SIGTERM);
  ASSERT_TRUE((*mg)->process().WaitExit(kWait).has_value());
  mg = testutil::Modelgate::Start(config);
  ASSERT_TRUE(mg.ok()) << mg.status();
  const json status = CanaryStatus(**mg);
  EXPECT_EQ(status["step"], 1) << status.dump(2);
  EXPECT_EQ(status["candidate_percent"], 50);
  EXPECT_EQ((*mg)->Metric("modelgate_canary_step{route=\"predict\"}"), 1);
}

}  // namespace
}  // namespace modelgate
