// The health registry: one object per backend across reloads, checks that follow each config
// (start, retune, stop, drop), and the verdict's metrics. Driven by CheckAllNow with scripted
// probes, so every step is deterministic.
#include "health/health_checker.h"

#include <deque>
#include <memory>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace modelgate::health {
namespace {

// Results the probes return, in order (then `otherwise`), and how many probes were made.
struct Script {
  std::deque<CheckResult> results;
  CheckResult otherwise = CheckResult::kServing;
  int probes_made = 0;
};

class ScriptedProbe final : public HealthProbe {
 public:
  explicit ScriptedProbe(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  CheckOutcome Check(absl::Duration) override {
    if (script_->results.empty()) return {script_->otherwise, "scripted"};
    const CheckResult r = script_->results.front();
    script_->results.pop_front();
    return {r, "scripted"};
  }
  void Cancel() override {}

 private:
  std::shared_ptr<Script> script_;
};

HealthChecker::Options Scripted(const std::shared_ptr<Script>& script) {
  HealthChecker::Options options;
  options.run_threads = false;
  options.probe_factory = [script](const config::Backend&, int64_t) {
    ++script->probes_made;
    return std::make_unique<ScriptedProbe>(script);
  };
  return options;
}

config::Backend Backend(const std::string& name, bool checked, int unhealthy_after = 2) {
  config::Backend b;
  b.name = name;
  b.address = "127.0.0.1:1";
  b.health.enabled = checked;
  b.health.unhealthy_after = unhealthy_after;
  return b;
}

config::Config WithBackends(std::vector<config::Backend> backends) {
  config::Config c;
  c.backends = std::move(backends);
  return c;
}

// The value of the exposition line that starts with `series`, or -1 if there is none.
double Sample(const telemetry::Metrics& metrics, const std::string& series) {
  std::istringstream in(metrics.Serialize());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(HealthChecker, FailedChecksTakeABackendOutAndOnePassBringsItBack) {
  auto script = std::make_shared<Script>();
  script->results = {CheckResult::kServing, CheckResult::kError, CheckResult::kTimeout};
  telemetry::Metrics metrics;
  HealthChecker checker(&metrics, Scripted(script));
  checker.Apply(WithBackends({Backend("cand", true, 2)}));
  auto health = checker.Lookup("cand");
  const std::string gauge = R"(modelgate_backend_healthy{backend="cand"})";

  checker.CheckAllNow();  // serving
  EXPECT_TRUE(health->healthy());
  EXPECT_EQ(Sample(metrics, gauge), 1);
  checker.CheckAllNow();  // error: 1 of 2
  EXPECT_TRUE(health->healthy());
  checker.CheckAllNow();  // timeout: 2 of 2
  EXPECT_FALSE(health->healthy());
  EXPECT_EQ(Sample(metrics, gauge), 0);
  checker.CheckAllNow();  // serving again
  EXPECT_TRUE(health->healthy());
  EXPECT_EQ(Sample(metrics, gauge), 1);

  EXPECT_EQ(Sample(metrics, R"(modelgate_health_checks_total{backend="cand",result="serving"})"),
            2);
  EXPECT_EQ(Sample(metrics, R"(modelgate_health_checks_total{backend="cand",result="error"})"), 1);
  EXPECT_EQ(Sample(metrics, R"(modelgate_health_checks_total{backend="cand",result="timeout"})"),
            1);
}

TEST(HealthChecker, TheSameObjectServesEveryReloadAndRemovedBackendsAreDropped) {
  auto script = std::make_shared<Script>();
  telemetry::Metrics metrics;
  HealthChecker checker(&metrics, Scripted(script));
  auto before = checker.Lookup("cand");  // compiled before the config is applied
  checker.Apply(WithBackends({Backend("legacy", false), Backend("cand", true)}));
  checker.Apply(WithBackends({Backend("legacy", false), Backend("cand", true)}));
  EXPECT_EQ(checker.Lookup("cand"), before);
  EXPECT_EQ(script->probes_made, 1);  // unchanged settings: the same checks keep running
  checker.CheckAllNow();
  EXPECT_EQ(Sample(metrics, R"(modelgate_backend_healthy{backend="cand"})"), 1);

  checker.Apply(WithBackends({Backend("legacy", false)}));
  EXPECT_EQ(Sample(metrics, R"(modelgate_backend_healthy{backend="cand"})"), -1);
  EXPECT_EQ(Sample(metrics, R"(modelgate_health_checks_total{backend="cand",result="serving"})"),
            -1);
  EXPECT_NE(checker.Lookup("cand"), before);  // a backend added again starts afresh
}

TEST(HealthChecker, PassiveFailuresDivertOnlyBackendsWithChecks) {
  auto script = std::make_shared<Script>();
  HealthChecker checker(nullptr, Scripted(script));
  checker.Apply(WithBackends({Backend("legacy", false), Backend("cand", true, 3)}));
  auto legacy = checker.Lookup("legacy");
  auto cand = checker.Lookup("cand");
  EXPECT_EQ(legacy->unhealthy_after.load(), 0);
  EXPECT_EQ(cand->unhealthy_after.load(), 3);
  legacy->consecutive_failures.store(100);
  cand->consecutive_failures.store(3);
  EXPECT_TRUE(legacy->healthy());  // nothing would ever bring it back
  EXPECT_FALSE(cand->healthy());
  checker.CheckAllNow();  // cand answers its check: the passive count is cleared
  EXPECT_TRUE(cand->healthy());
  EXPECT_EQ(cand->consecutive_failures.load(), 0);
}

TEST(HealthChecker, ChangedSettingsRestartChecksAndKeepTheVerdict) {
  auto script = std::make_shared<Script>();
  script->otherwise = CheckResult::kNotServing;
  HealthChecker checker(nullptr, Scripted(script));
  checker.Apply(WithBackends({Backend("cand", true, 1)}));
  checker.CheckAllNow();
  auto cand = checker.Lookup("cand");
  ASSERT_FALSE(cand->healthy());

  config::Backend retuned = Backend("cand", true, 1);
  retuned.health.interval_seconds = 5;
  checker.Apply(WithBackends({retuned}));
  EXPECT_EQ(script->probes_made, 2);
  EXPECT_FALSE(cand->healthy());  // until the new checks say otherwise
  script->otherwise = CheckResult::kServing;
  checker.CheckAllNow();
  EXPECT_TRUE(cand->healthy());
}

TEST(HealthChecker, RemovingTheHealthBlockMakesTheBackendHealthy) {
  auto script = std::make_shared<Script>();
  script->otherwise = CheckResult::kError;
  telemetry::Metrics metrics;
  HealthChecker checker(&metrics, Scripted(script));
  checker.Apply(WithBackends({Backend("cand", true, 1)}));
  checker.CheckAllNow();
  auto cand = checker.Lookup("cand");
  ASSERT_FALSE(cand->healthy());
  checker.Apply(WithBackends({Backend("cand", false)}));
  EXPECT_TRUE(cand->healthy());
  EXPECT_EQ(cand->unhealthy_after.load(), 0);
  EXPECT_EQ(Sample(metrics, R"(modelgate_backend_healthy{backend="cand"})"), -1);
  checker.CheckAllNow();  // no checks left to run
  EXPECT_TRUE(cand->healthy());
}

}  // namespace
}  // namespace modelgate::health
