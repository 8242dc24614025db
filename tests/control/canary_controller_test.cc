// The canary controller on simulated time: a real route monitor is fed simulated calls (seeded)
// split by the share the controller last published, is evaluated every simulated second, and
// the controller judges it. Covers promotion, rollback on errors, latency, health and
// catastrophes, waiting on inconclusive data, SRM, the manual gates, restart and corrupt state.
#include "control/canary_controller.h"

#include <cmath>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "config/loader.h"
#include "gtest/gtest.h"
#include "monitor/route_monitor.h"
#include "prometheus/registry.h"
#include "strategies/registry.h"
#include "strategies/strategy_def.h"
#include "testing/temp_dir.h"

namespace modelgate::control {
namespace {

constexpr char kYaml[] = R"(
listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
backends:
  - {name: legacy, address: 127.0.0.1:9001}
  - {name: candidate, address: 127.0.0.1:9002}
routes:
  - name: predict
    strategy: canary
    canary:
      legacy: legacy
      candidate: candidate
      steps: [10, 50, 100]
      step_seconds: 30
      min_requests_per_step: 200
      max_failed_checks: 3
      gates: {max_error_rate: 0.05, max_latency_p99_seconds: 0.25, rollback_error_rate: 0.5}
      webhook: {url: "http://127.0.0.1:1/hook", timeout_seconds: 3}
    monitor: {latency_tolerance: 0.2, error_rate_tolerance: 0.03, min_samples: 100}
)";

// How a simulated backend answers.
struct Model {
  double error_rate = 0.005;
  double latency_median = 0.010;  // seconds, lognormal with sigma 0.3
};

class CanarySim {
 public:
  explicit CanarySim(const testutil::TempDir& dir, std::string yaml = kYaml)
      : store_(dir.path()), publisher_(&store_), audit_path_(dir.path() + "/audit.log") {
    config::LoadResult loaded = config::ParseConfig("c.yaml", yaml);
    EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0]);
    const config::Config effective = publisher_.Start(loaded.config);
    const config::Route& route = effective.routes[0];
    monitor_ = *strategies::Find("canary")->MakeMonitor(route, 1,
                                                        std::make_shared<prometheus::Registry>());
    SetShare(route.arms[1].weight);
    publisher_.Attach([this](const config::Config& c) -> absl::StatusOr<std::vector<std::string>> {
      ++installs_;
      SetShare(c.routes[0].arms[1].weight);
      return std::vector<std::string>{};
    });
    CanaryController::Deps deps;
    deps.publisher = &publisher_;
    deps.evaluation = [this](const std::string&) { return monitor_->Latest(); };
    deps.healthy = [this](const std::string& backend) {
      return backend != "candidate" || candidate_healthy;
    };
    deps.audit_path = audit_path_;
    deps.notify = [this](const std::string& url, double timeout, const nlohmann::json& event) {
      EXPECT_EQ(url, "http://127.0.0.1:1/hook");
      EXPECT_EQ(timeout, 3);
      notified.push_back(event);
    };
    deps.registry = registry_;
    deps.clock = [this] { return now_; };
    controller_ = std::make_unique<CanaryController>(std::move(deps));
    controller_->MarkUnrestorable(publisher_.unrestorable());
    controller_->RunOnce();
  }

  // One simulated second: `rps` calls split by the published share (`skew` multiplies the
  // candidate's real share, to break the split), one evaluation, one controller round.
  void Second(int rps = 100, double skew = 1) {
    now_ += absl::Seconds(1);
    std::uniform_real_distribution<double> u(0, 1);
    std::normal_distribution<double> z(0, 0.3);
    for (int i = 0; i < rps; ++i) {
      const bool to_candidate = u(rng_) < std::min(1.0, skew * share_ / 10000.0);
      const Model& m = to_candidate ? candidate : legacy;
      const int code = u(rng_) < m.error_rate ? 14 : 0;
      monitor_->RecordOutcome(0, to_candidate ? 1 : 0, code,
                              m.latency_median * std::exp(z(rng_)));
    }
    monitor_->Evaluate(now_);
    controller_->RunOnce();
  }
  // Runs seconds until the canary is promoted or rolled back, at most `limit`.
  std::string RunUntilDone(int limit, double skew = 1) {
    for (int i = 0; i < limit; ++i) {
      Second(100, skew);
      const std::string s = state();
      if (s == "promoted" || s == "rolled_back") return s;
    }
    return state();
  }

  nlohmann::json status() { return *controller_->Status("predict"); }
  std::string state() { return status()["state"]; }
  int step() { return status()["step"]; }
  int64_t share() const { return share_; }
  CanaryController& controller() { return *controller_; }
  std::vector<nlohmann::json> audit() const {
    std::vector<nlohmann::json> events;
    std::ifstream in(audit_path_);
    for (std::string line; std::getline(in, line);) events.push_back(nlohmann::json::parse(line));
    return events;
  }

  Model legacy;
  Model candidate;
  bool candidate_healthy = true;
  std::vector<nlohmann::json> notified;  // webhook events

 private:
  void SetShare(int64_t candidate_weight) {
    share_ = candidate_weight;
    monitor_->SetWeights({10000 - candidate_weight, candidate_weight});
  }

  StateStore store_;
  SnapshotPublisher publisher_;
  std::string audit_path_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::shared_ptr<monitor::RouteMonitor> monitor_;
  std::unique_ptr<CanaryController> controller_;
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  std::mt19937_64 rng_{42};
  int64_t share_ = 0;
  int installs_ = 0;
};

TEST(CanaryController, HealthyCandidateIsPromotedThroughEveryStep) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  EXPECT_EQ(sim.share(), 1000);
  std::vector<int64_t> shares = {sim.share()};
  const std::string end = sim.RunUntilDone(2000);
  EXPECT_EQ(end, "promoted") << sim.status().dump(2);
  EXPECT_EQ(sim.share(), 10000);
  ASSERT_EQ(sim.notified.size(), 1u);
  EXPECT_EQ(sim.notified[0]["to"]["state"], "promoted");
  // The audit log shows each step in order, by the controller, with evidence.
  std::vector<int> steps;
  for (const nlohmann::json& e : sim.audit()) {
    if (e["to"]["step"] != e["from"]["step"] || e["to"]["state"] == "promoted") {
      steps.push_back(e["to"]["step"]);
      EXPECT_EQ(e["actor"], "controller");
      EXPECT_FALSE(e["evidence"].is_null()) << e.dump();
      EXPECT_GE(e["evidence"]["candidate"]["step_requests"].get<int64_t>(), 200) << e.dump();
    }
  }
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 2}));
}

TEST(CanaryController, CandidateWithTwentyPercentErrorsIsRolledBack) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  sim.candidate.error_rate = 0.2;
  EXPECT_EQ(sim.RunUntilDone(600), "rolled_back");
  EXPECT_EQ(sim.share(), 0);
  EXPECT_EQ(sim.step(), 0);  // never left the first step
  const nlohmann::json last = sim.audit().back();
  EXPECT_EQ(last["to"]["state"], "rolled_back");
  EXPECT_EQ(last["weights"]["candidate"], 0);
  EXPECT_GT(last["evidence"]["candidate"]["step_error_rate"].get<double>(), 0.1);
  // The webhook hears of the rollback only (not of the run's start or its waits).
  ASSERT_EQ(sim.notified.size(), 1u);
  EXPECT_EQ(sim.notified[0]["to"]["state"], "rolled_back");
  EXPECT_EQ(sim.notified[0]["route"], "predict");
}

TEST(CanaryController, FiftyPercentSlowerCandidateIsRolledBack) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  sim.candidate.latency_median = 0.015;
  EXPECT_EQ(sim.RunUntilDone(2000), "rolled_back");
  bool latency_failed = false;
  const nlohmann::json last = sim.audit().back();
  for (const nlohmann::json& g : last["gates"]) {
    latency_failed |= g["gate"] == "relative:latency_mean" && g["result"] == "fail";
  }
  EXPECT_TRUE(latency_failed) << last.dump(2);
}

TEST(CanaryController, CatastrophicErrorRateRollsBackAtTheFirstCheck) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  sim.candidate.error_rate = 0.9;
  int seconds = 0;
  while (sim.state() != "rolled_back" && seconds < 60) {
    sim.Second();
    ++seconds;
  }
  EXPECT_EQ(sim.state(), "rolled_back");
  // 20 candidate calls at 10 per second: the first check with enough calls rolls back.
  EXPECT_LE(seconds, 4);
  EXPECT_EQ(sim.status()["failed_checks"], 0);
}

TEST(CanaryController, InconclusiveDataHoldsTheStep) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  for (int i = 0; i < 120; ++i) sim.Second(/*rps=*/10);  // 1 candidate call per second
  EXPECT_EQ(sim.step(), 0);
  EXPECT_EQ(sim.state(), "waiting");
  EXPECT_EQ(sim.share(), 1000);
}

TEST(CanaryController, SampleRatioMismatchFailsChecks) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  // The candidate gets twice its share: the split is broken, whatever the model does.
  EXPECT_EQ(sim.RunUntilDone(600, /*skew=*/2), "rolled_back");
  bool srm_failed = false;
  const nlohmann::json last = sim.audit().back();
  for (const nlohmann::json& g : last["gates"]) {
    srm_failed |= g["gate"] == "srm" && g["result"] == "fail";
  }
  EXPECT_TRUE(srm_failed) << last.dump(2);
}

TEST(CanaryController, UnhealthyCandidateRollsBackAfterMaxFailedChecks) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  for (int i = 0; i < 5; ++i) sim.Second();
  sim.candidate_healthy = false;
  int seconds = 0;
  while (sim.state() != "rolled_back" && seconds < 60) {
    sim.Second();
    ++seconds;
  }
  EXPECT_EQ(sim.state(), "rolled_back");
  EXPECT_EQ(seconds, 3);  // max_failed_checks checks, one per evaluation
}

TEST(CanaryController, PauseHoldsTheRunAndResumeContinuesIt) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  ASSERT_TRUE(sim.controller().Act("predict", "pause", std::nullopt, "admin").ok());
  for (int i = 0; i < 200; ++i) sim.Second();
  EXPECT_EQ(sim.state(), "paused");
  EXPECT_EQ(sim.step(), 0);
  EXPECT_EQ(sim.share(), 1000);  // paused keeps the traffic where it was
  EXPECT_EQ(sim.controller().Act("predict", "pause", std::nullopt, "admin").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(sim.controller().Act("predict", "resume", std::nullopt, "admin").ok());
  EXPECT_EQ(sim.RunUntilDone(2000), "promoted");
  EXPECT_EQ(sim.controller().Act("predict", "resume", std::nullopt, "admin").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CanaryController, AdminRollbackPromoteAndStep) {
  testutil::TempDir dir;
  CanarySim sim(dir);
  absl::StatusOr<nlohmann::json> r = sim.controller().Act("predict", "step", 1, "admin");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["step"], 1);
  EXPECT_EQ(sim.share(), 5000);
  EXPECT_EQ(sim.controller().Act("predict", "step", 3, "admin").status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(sim.controller().Act("predict", "rollback", std::nullopt, "admin").ok());
  EXPECT_EQ(sim.share(), 0);
  for (int i = 0; i < 100; ++i) sim.Second();
  EXPECT_EQ(sim.state(), "rolled_back");  // stays rolled back
  ASSERT_TRUE(sim.controller().Act("predict", "promote", std::nullopt, "admin").ok());
  EXPECT_EQ(sim.share(), 10000);
  EXPECT_EQ(sim.controller().Act("nope", "promote", std::nullopt, "admin").status().code(),
            absl::StatusCode::kNotFound);
  const std::vector<nlohmann::json> audit = sim.audit();
  ASSERT_GE(audit.size(), 4u);
  EXPECT_EQ(audit.back()["actor"], "admin");
  EXPECT_EQ(audit.back()["to"]["state"], "promoted");
}

TEST(CanaryController, RestartResumesAtTheSameStep) {
  testutil::TempDir dir;
  {
    CanarySim sim(dir);
    ASSERT_TRUE(sim.controller().Act("predict", "step", 1, "admin").ok());
    for (int i = 0; i < 3; ++i) sim.Second();
    EXPECT_EQ(sim.step(), 1);
  }
  CanarySim restarted(dir);
  EXPECT_EQ(restarted.step(), 1);
  EXPECT_EQ(restarted.share(), 5000);  // the restored weights, before any round
  EXPECT_NE(restarted.state(), "paused");
}

TEST(CanaryController, CorruptStateFilePausesOnTheLegacy) {
  testutil::TempDir dir;
  dir.Write("predict.json", "{ this is not json");
  CanarySim sim(dir);
  EXPECT_EQ(sim.state(), "paused");
  EXPECT_EQ(sim.share(), 0);
  for (int i = 0; i < 50; ++i) sim.Second();
  EXPECT_EQ(sim.state(), "paused");
  EXPECT_EQ(sim.share(), 0);
  ASSERT_TRUE(sim.controller().Act("predict", "resume", std::nullopt, "admin").ok());
  EXPECT_EQ(sim.share(), 1000);
}

}  // namespace
}  // namespace modelgate::control
