// RouteMonitor driven with simulated outcomes and injected time: sample-ratio check, latency and
// error-rate comparisons with always-valid p-values, verdicts, A/A false-fail rate, concurrency.
#include "monitor/route_monitor.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "common/stable_hash.h"
#include "gtest/gtest.h"
#include "monitor/test_util.h"
#include "stats/hypothesis/multiple.h"

namespace modelgate::monitor {
namespace {

using testing::ArmModel;
using testing::BaseConfig;
using testing::FindComparison;
using testing::Gaussian;
using testing::RecordCalls;
using testing::TwoArms;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(RouteMonitor, ReportBeforeFirstEvaluateIsInconclusiveWithNoTimestamp) {
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, nullptr);
  const nlohmann::json report = m.Report();
  EXPECT_EQ(report["route"], "r");
  EXPECT_TRUE(report["evaluated_at"].is_null());
  EXPECT_EQ(report["verdict"], "inconclusive");
  EXPECT_EQ(report["reference_arm"], "legacy");
  EXPECT_EQ(m.verdict(), stats::Verdict::kInconclusive);
}

TEST(RouteMonitor, InconclusiveBeforeMinSamplesEvenWithAHugeEffect) {
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, nullptr);
  Gaussian g(1);
  RecordCalls(m, g, 0, {0.005, 0.0005, 0.0}, 60);
  RecordCalls(m, g, 1, {0.050, 0.0005, 0.5}, 60);
  m.Evaluate(kStart);
  const nlohmann::json r = m.Report();
  EXPECT_EQ(r["verdict"], "inconclusive");
  for (const auto& c : r["comparisons"]) {
    if (c["gate"] == true) {
      EXPECT_EQ(c["verdict"], "inconclusive") << c.dump();
      // The sequential test has not started: no always-valid p-value is claimed yet.
      EXPECT_TRUE(c["always_valid_p_value"].is_null()) << c.dump();
    }
  }
  // The fixed-horizon number is shown (clearly named), but it decides nothing.
  EXPECT_LT(
      FindComparison(r, "candidate", "latency_mean")->at("fixed_horizon_p_value").get<double>(),
      1e-10);
}

TEST(RouteMonitor, CandidateTwoMillisecondsSlowerFailsAtTheFirstLookAfterBurnIn) {
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, nullptr);
  Gaussian g(2);
  RecordCalls(m, g, 0, {0.005, 0.0005, 0.0}, 100);
  RecordCalls(m, g, 1, {0.007, 0.0005, 0.0}, 100);
  m.Evaluate(kStart);
  const nlohmann::json r = m.Report();
  const nlohmann::json& c = *FindComparison(r, "candidate", "latency_mean");
  EXPECT_EQ(c["verdict"], "fail") << c.dump(2);
  EXPECT_NEAR(c["effect"].get<double>(), 0.002, 0.0003);
  EXPECT_NEAR(c["relative_effect"].get<double>(), 0.4, 0.07);
  EXPECT_LE(c["always_valid_p_value"].get<double>(), 1e-6);
  EXPECT_GE(c["adjusted_p_value"].get<double>(), c["always_valid_p_value"].get<double>());
  // The confidence sequence lies above 0 and covers the true effect.
  EXPECT_GT(c["ci_low"].get<double>(), 0.0);
  EXPECT_LT(c["ci_low"].get<double>(), 0.002);
  EXPECT_GT(c["ci_high"].get<double>(), 0.002);
  // tau = 0.1 sd, frozen at burn-in.
  EXPECT_NEAR(c["tau"].get<double>(), 0.1 * 0.0005, 0.00001);
  EXPECT_EQ(r["verdict"], "fail");
  EXPECT_EQ(m.verdict(), stats::Verdict::kFail);
  // The distribution comparison sees the shift too, but only describes it.
  const nlohmann::json& d = *FindComparison(r, "candidate", "latency_distribution");
  EXPECT_GT(d["effect"].get<double>(), 0.45);
  EXPECT_TRUE(d["verdict"].is_null());
  EXPECT_TRUE(d["always_valid_p_value"].is_null());
  EXPECT_LT(d["fixed_horizon_p_value"].get<double>(), 1e-10);
}

TEST(RouteMonitor, HigherErrorRateFailsTheErrorComparisonOnly) {
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, nullptr);
  Gaussian g(3);
  bool failed = false;
  int looks = 0;
  for (; looks < 40 && !failed; ++looks) {
    RecordCalls(m, g, 0, {0.005, 0.0005, 0.01}, 100);
    RecordCalls(m, g, 1, {0.005, 0.0005, 0.06}, 100);
    m.Evaluate(kStart + absl::Seconds(looks));
    failed = FindComparison(m.Report(), "candidate", "error_rate")->at("verdict") == "fail";
  }
  EXPECT_TRUE(failed) << m.Report().dump(2);
  EXPECT_LE(looks, 15);  // 1% vs 6% is found within 1,500 calls per arm
  const nlohmann::json r = m.Report();
  const nlohmann::json& e = *FindComparison(r, "candidate", "error_rate");
  EXPECT_GT(e["effect"].get<double>(), 0.02);
  EXPECT_GT(e["ci_low"].get<double>(), 0.0);
  EXPECT_NE(FindComparison(r, "candidate", "latency_mean")->at("verdict"), "fail");
  EXPECT_EQ(r["verdict"], "fail");
}

TEST(RouteMonitor, SixtyFortySplitAgainstFiftyFiftyWeightsIsASampleRatioMismatch) {
  RouteMonitor m("r", TwoArms(50, 50), BaseConfig(), 1, nullptr);
  Gaussian g(4);
  RecordCalls(m, g, 0, {}, 1200);
  RecordCalls(m, g, 1, {}, 800);
  m.Evaluate(kStart);
  const nlohmann::json r = m.Report();
  const nlohmann::json& srm = r["srm"];
  EXPECT_TRUE(srm["evaluated"].get<bool>());
  EXPECT_TRUE(srm["detected"].get<bool>());
  EXPECT_NEAR(srm["chi2"].get<double>(), 80.0, 1e-9);  // (200^2/1000) * 2
  EXPECT_LT(srm["p_value"].get<double>(), 1e-15);
  EXPECT_EQ(srm["df"], 1);
  EXPECT_EQ(srm["observed"]["legacy"], 1200);
  EXPECT_DOUBLE_EQ(srm["expected_share"]["candidate"].get<double>(), 0.5);
  EXPECT_EQ(r["verdict"], "fail");  // an SRM makes every comparison suspect
}

TEST(RouteMonitor, SplitMatchingUnequalWeightsIsNoMismatch) {
  RouteMonitor m("r", TwoArms(90, 10), BaseConfig(), 1, nullptr);
  Gaussian g(5);
  RecordCalls(m, g, 0, {}, 1800);
  RecordCalls(m, g, 1, {}, 200);
  m.Evaluate(kStart);
  const nlohmann::json srm = m.Report()["srm"];
  EXPECT_FALSE(srm["detected"].get<bool>());
  EXPECT_DOUBLE_EQ(srm["p_value"].get<double>(), 1.0);
}

TEST(RouteMonitor, StickyRouteChecksTheSampleRatioOfUsersNotRequests) {
  // Users assigned 50/50 by the high bits of their key hash, as routing::AbStrategy does, each
  // sending 1..40 requests: request counts are over-dispersed, user counts are not.
  config::MonitorConfig c = BaseConfig();
  c.sticky_assignment = true;
  RouteMonitor m("r", TwoArms(), c, 1, nullptr);
  SplitMix64 rng(11);
  int64_t requests[2] = {};
  for (int u = 0; u < 4000; ++u) {
    const uint64_t h = StableKeyHash("s", "r", "user-" + std::to_string(u));
    const int arm = BucketOf(h) < kBuckets / 2 ? 0 : 1;
    const int n = 1 + static_cast<int>(rng.Below(40));
    for (int i = 0; i < n; ++i) {
      m.RecordOutcome(0, arm, 0, 0.005);
      m.RecordUser(arm, h);
    }
    requests[arm] += n;
  }
  m.Evaluate(kStart);
  const nlohmann::json srm = m.Report()["srm"];
  EXPECT_EQ(srm["unit"], "users");
  EXPECT_EQ(srm["sample_level"], 0);  // 4000 users fit: exact
  EXPECT_EQ(srm["observed"]["legacy"].get<int64_t>() + srm["observed"]["candidate"].get<int64_t>(),
            4000);
  EXPECT_FALSE(srm["detected"].get<bool>()) << srm.dump();
  EXPECT_NE(requests[0], srm["observed"]["legacy"].get<int64_t>());
}

TEST(RouteMonitor, StickyRouteLosingUsersOfOneArmIsASampleRatioMismatch) {
  config::MonitorConfig c = BaseConfig();
  c.sticky_assignment = true;
  RouteMonitor m("r", TwoArms(), c, 1, nullptr);
  for (int u = 0; u < 20000; ++u) {
    const uint64_t h = StableKeyHash("s", "r", "user-" + std::to_string(u));
    const int arm = BucketOf(h) < kBuckets / 2 ? 0 : 1;
    if (arm == 1 && u % 10 == 0) continue;  // a tenth of the candidate's users never complete
    m.RecordOutcome(0, arm, 0, 0.005);
    m.RecordUser(arm, h);
  }
  m.Evaluate(kStart);
  const nlohmann::json srm = m.Report()["srm"];
  EXPECT_EQ(srm["unit"], "users");
  EXPECT_TRUE(srm["detected"].get<bool>()) << srm.dump();
}

TEST(RouteMonitor, StickyRouteComparesUsersSoOneHeavyUserCannotMakeAnArmLookSlower) {
  // 200 users per arm at 5 ms with 1 ms of noise; in the candidate arm one user sends 1,000
  // requests of 6 ms (their own slow inputs). Requests as the unit: the candidate is "slower"
  // beyond doubt. Users as the unit (how the split was randomised): one user is no evidence.
  config::MonitorConfig sticky_config = BaseConfig();
  sticky_config.sticky_assignment = true;
  RouteMonitor sticky("r", TwoArms(), sticky_config, 1, nullptr);
  RouteMonitor per_request("r", TwoArms(), BaseConfig(), 1, nullptr);
  Gaussian g(23);
  auto record = [&](int arm, uint64_t user, double seconds) {
    sticky.RecordOutcome(0, arm, 0, seconds, user);
    per_request.RecordOutcome(0, arm, 0, seconds);
  };
  for (int arm = 0; arm < 2; ++arm) {
    for (int u = 0; u < 200; ++u) {
      const uint64_t user = StableKeyHash("s", "r", absl::StrCat("user-", arm, "-", u));
      for (int i = 0; i < 5; ++i) record(arm, user, g.Next(0.005, 0.001));
    }
  }
  const uint64_t heavy = StableKeyHash("s", "r", "heavy");
  for (int i = 0; i < 1000; ++i) record(1, heavy, g.Next(0.006, 0.001));
  sticky.Evaluate(kStart);
  per_request.Evaluate(kStart);

  const nlohmann::json request_report = per_request.Report(), user_report = sticky.Report();
  const nlohmann::json* by_request = FindComparison(request_report, "candidate", "latency_mean");
  const nlohmann::json* by_user = FindComparison(user_report, "candidate", "latency_mean");
  ASSERT_TRUE(by_request != nullptr && by_user != nullptr);
  EXPECT_EQ((*by_request)["method"], "welch_t+msprt");
  EXPECT_EQ((*by_user)["method"], "clustered_z+msprt");
  EXPECT_DOUBLE_EQ((*by_user)["effect"].get<double>(), (*by_request)["effect"].get<double>());
  EXPECT_LT((*by_request)["fixed_horizon_p_value"].get<double>(), 1e-10);
  EXPECT_LT((*by_request)["always_valid_p_value"].get<double>(), 0.05);
  // Orders of magnitude less sure at one look (one dominant cluster leaves the delta method
  // near z = 2 here), and the always-valid p-value, which decides, does not reject.
  EXPECT_GT((*by_user)["fixed_horizon_p_value"].get<double>(), 1e-3) << by_user->dump();
  EXPECT_GT((*by_user)["always_valid_p_value"].get<double>(), 0.05) << by_user->dump();
  EXPECT_NE((*by_user)["verdict"], "fail");
}

TEST(RouteMonitor, SampleRatioCheckWaitsForFiveExpectedPerArm) {
  RouteMonitor m("r", TwoArms(99, 1), BaseConfig(), 1, nullptr);
  Gaussian g(6);
  RecordCalls(m, g, 0, {}, 100);  // expected 1 on the candidate
  m.Evaluate(kStart);
  const nlohmann::json srm = m.Report()["srm"];
  EXPECT_FALSE(srm["evaluated"].get<bool>());
  EXPECT_TRUE(srm["p_value"].is_null());
}

TEST(RouteMonitor, IdenticalArmsWithEnoughDataPassWithinTolerance) {
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, nullptr);
  Gaussian g(7);
  for (int look = 0; look < 10; ++look) {
    RecordCalls(m, g, 0, {}, 500);
    RecordCalls(m, g, 1, {}, 500);
    m.Evaluate(kStart + absl::Seconds(look));
  }
  const nlohmann::json r = m.Report();
  const nlohmann::json& lat = *FindComparison(r, "candidate", "latency_mean");
  const nlohmann::json& err = *FindComparison(r, "candidate", "error_rate");
  EXPECT_EQ(lat["verdict"], "pass") << lat.dump(2);
  EXPECT_EQ(err["verdict"], "pass") << err.dump(2);
  // Pass means the always-valid interval is inside +-tolerance.
  EXPECT_GT(lat["ci_low"].get<double>(), -lat["tolerance"].get<double>());
  EXPECT_LT(lat["ci_high"].get<double>(), lat["tolerance"].get<double>());
  EXPECT_NEAR(lat["tolerance"].get<double>(), 0.1 * 0.005, 0.0001);
  EXPECT_DOUBLE_EQ(err["tolerance"].get<double>(), 0.01);
  EXPECT_EQ(r["verdict"], "pass");
  EXPECT_FALSE(r["srm"]["detected"].get<bool>());
}

TEST(RouteMonitor, ArmsWithoutAnyErrorStillPassTheErrorComparison) {
  // p-hat = 0 in both arms: the regularised variance still lets the sequence shrink.
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, nullptr);
  Gaussian g(8);
  RecordCalls(m, g, 0, {0.005, 0.0005, 0.0}, 2000);
  RecordCalls(m, g, 1, {0.005, 0.0005, 0.0}, 2000);
  m.Evaluate(kStart);
  const nlohmann::json err = *FindComparison(m.Report(), "candidate", "error_rate");
  EXPECT_EQ(err["verdict"], "pass") << err.dump(2);
  EXPECT_DOUBLE_EQ(err["effect"].get<double>(), 0.0);
  EXPECT_TRUE(err["fixed_horizon_p_value"].is_null());  // z-test undefined without events
}

TEST(RouteMonitor, SignificantlyFasterCandidatePasses) {
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, nullptr);
  Gaussian g(9);
  RecordCalls(m, g, 0, {0.007, 0.0005, 0.0}, 200);
  RecordCalls(m, g, 1, {0.005, 0.0005, 0.0}, 200);
  m.Evaluate(kStart);
  const nlohmann::json lat = *FindComparison(m.Report(), "candidate", "latency_mean");
  EXPECT_EQ(lat["verdict"], "pass");
  EXPECT_LT(lat["ci_high"].get<double>(), 0.0);
}

TEST(RouteMonitor, ConfiguredReferenceArmIsTheBaseline) {
  config::MonitorConfig c = BaseConfig();
  c.reference_arm = "candidate";
  RouteMonitor m("r", TwoArms(), c, 1, nullptr);
  Gaussian g(10);
  RecordCalls(m, g, 0, {0.007, 0.0005, 0.0}, 200);  // "legacy" is now the one compared
  RecordCalls(m, g, 1, {0.005, 0.0005, 0.0}, 200);
  m.Evaluate(kStart);
  const nlohmann::json r = m.Report();
  EXPECT_EQ(r["reference_arm"], "candidate");
  EXPECT_EQ(FindComparison(r, "legacy", "latency_mean")->at("verdict"), "fail");
  EXPECT_EQ(FindComparison(r, "candidate", "latency_mean"), nullptr);
}

// Adjusted p-values in the JSON are exactly the configured correction of the always-valid
// p-values of the route's gate rows (a row whose test has not started counts as p = 1).
void ExpectCorrection(const std::string& correction) {
  config::MonitorConfig c = BaseConfig();
  c.correction = correction;
  RouteMonitor m("r", {{"legacy", 1}, {"a", 1}, {"b", 1}}, c, 1, nullptr);
  Gaussian g(11);
  RecordCalls(m, g, 0, {0.0050, 0.0010, 0.02}, 300);
  RecordCalls(m, g, 1, {0.0053, 0.0010, 0.03}, 300);  // mild effects: p-values in between
  RecordCalls(m, g, 2, {0.0050, 0.0010, 0.02}, 300);
  m.Evaluate(kStart);
  const nlohmann::json r = m.Report();
  std::vector<double> raw, adjusted;
  for (const auto& row : r["comparisons"]) {
    if (!row["gate"].get<bool>()) continue;
    ASSERT_TRUE(row["always_valid_p_value"].is_number()) << row.dump();
    raw.push_back(row["always_valid_p_value"].get<double>());
    adjusted.push_back(row["adjusted_p_value"].get<double>());
  }
  ASSERT_EQ(raw.size(), 4u);
  std::vector<double> expected = raw;
  if (correction == "holm") expected = stats::HolmAdjust(raw).value().adjusted;
  if (correction == "bh") expected = stats::BenjaminiHochbergAdjust(raw).value().adjusted;
  for (size_t i = 0; i < raw.size(); ++i) EXPECT_DOUBLE_EQ(adjusted[i], expected[i]) << i;
  if (correction != "none") {
    // The adjustment is visible: at least one adjusted value exceeds its raw value.
    bool visible = false;
    for (size_t i = 0; i < raw.size(); ++i) visible = visible || adjusted[i] > raw[i];
    EXPECT_TRUE(visible);
  }
  EXPECT_EQ(r["settings"]["correction"], correction);
}

TEST(RouteMonitor, HolmAdjustmentIsAppliedToAlwaysValidPValues) { ExpectCorrection("holm"); }
TEST(RouteMonitor, BenjaminiHochbergAdjustmentIsApplied) { ExpectCorrection("bh"); }
TEST(RouteMonitor, NoCorrectionLeavesPValuesAsTheyAre) { ExpectCorrection("none"); }

// A/A: identical arms, many seeded experiments, each looked at after every 100 calls per arm.
// The family-wise false-fail rate (any gate comparison ever "fail") stays within alpha plus
// Monte-Carlo error, while the same looks at the fixed-horizon p-values (the naive peeking
// dashboard) reject far more often.
TEST(RouteMonitor, AaFamilyWiseFalseFailRateStaysWithinAlphaWhilePeekingEveryInterval) {
  constexpr int kRuns = 200;
  constexpr int kLooks = 20;
  constexpr int kPerLook = 100;
  int sequential_false_fails = 0, naive_false_alarms = 0, srm_false_alarms = 0;
  const ArmModel model{0.005, 0.0005, 0.02};
  for (int run = 0; run < kRuns; ++run) {
    config::MonitorConfig c = BaseConfig();
    RouteMonitor m("aa", TwoArms(), c, 1, nullptr);
    Gaussian g(1000 + run);
    bool failed = false, naive = false, srm = false;
    for (int look = 0; look < kLooks; ++look) {
      // Random 50/50 assignment per call, as the A/B strategy does without a sticky key.
      for (int i = 0; i < 2 * kPerLook; ++i) {
        RecordCalls(m, g, g.Uniform() < 0.5 ? 0 : 1, model, 1);
      }
      m.Evaluate(kStart + absl::Seconds(look));
      const nlohmann::json r = m.Report();
      failed = failed || r["verdict"] == "fail";
      srm = srm || r["srm"]["detected"].get<bool>();
      for (const auto& row : r["comparisons"]) {
        if (row["gate"].get<bool>() && row["fixed_horizon_p_value"].is_number() &&
            row["fixed_horizon_p_value"].get<double>() <= c.alpha) {
          naive = true;
        }
      }
    }
    sequential_false_fails += failed;
    naive_false_alarms += naive;
    srm_false_alarms += srm;
  }
  const double alpha = 0.05;
  const double mc = 3 * std::sqrt(alpha * (1 - alpha) / kRuns);
  const double sequential_rate = static_cast<double>(sequential_false_fails) / kRuns;
  const double naive_rate = static_cast<double>(naive_false_alarms) / kRuns;
  std::printf(
      "A/A over %d runs x %d looks: sequential false-fail rate %.3f, naive peeked "
      "fixed-horizon rate %.3f, SRM alarms %d\n",
      kRuns, kLooks, sequential_rate, naive_rate, srm_false_alarms);
  EXPECT_LE(sequential_rate, alpha + mc);
  EXPECT_GT(naive_rate, 2 * alpha);  // what the always-valid p-values protect against
  EXPECT_LE(srm_false_alarms, 2);    // threshold 0.0005 per look
}

TEST(RouteMonitor, ConcurrentRecordingFromSeveralThreadsSumsCorrectly) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  RouteMonitor m("r", TwoArms(), BaseConfig(), kThreads, nullptr);
  std::atomic<bool> go{false}, done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) {
      }
      for (int i = 0; i < kPerThread; ++i) {
        // Every 10th call fails; arms alternate.
        m.RecordOutcome(t, i % 2, i % 10 == 0 ? 2 : 0, 0.001 * (1 + t));
      }
    });
  }
  // A concurrent evaluator, as the monitor thread would be.
  std::thread evaluator([&] {
    int k = 0;
    while (!done.load()) m.Evaluate(kStart + absl::Milliseconds(k++));
  });
  go = true;
  for (auto& t : threads) t.join();
  done = true;
  evaluator.join();
  m.Evaluate(kStart + absl::Seconds(100));
  const nlohmann::json r = m.Report();
  int64_t requests = 0, errors = 0, latencies = 0;
  double latency_sum = 0;
  for (const auto& a : r["arms"]) {
    requests += a["requests"].get<int64_t>();
    errors += a["errors"].get<int64_t>();
    latencies += a["latency"]["count"].get<int64_t>();
    latency_sum += a["latency"]["mean"].get<double>() * a["latency"]["count"].get<double>();
    EXPECT_EQ(a["requests"].get<int64_t>(), kThreads * kPerThread / 2);
  }
  EXPECT_EQ(requests, kThreads * kPerThread);
  EXPECT_EQ(errors, kThreads * kPerThread / 10);
  EXPECT_EQ(latencies, kThreads * kPerThread * 9 / 10);
  // Each thread's successful calls: 18,000 at 0.001 * (1 + t) seconds.
  EXPECT_NEAR(latency_sum, 18000 * 0.001 * (1 + 2 + 3 + 4), 1e-6);
}

TEST(RouteMonitor, OutOfRangeArmsAreIgnoredAndShardsWrapAround) {
  RouteMonitor m("r", TwoArms(), BaseConfig(), 2, nullptr);
  m.RecordOutcome(0, -1, 0, 0.001);
  m.RecordOutcome(0, 2, 0, 0.001);
  m.RecordOutcome(7, 1, 0, 0.001);         // shard 7 -> 1
  m.RecordOutcome(-3, 0, 0, 0.001);        // negative -> 0
  m.RecordOutcome(0, 0, 0, std::nan(""));  // counted, latency not
  m.Evaluate(kStart);
  const nlohmann::json r = m.Report();
  EXPECT_EQ(r["arms"][0]["requests"], 2);
  EXPECT_EQ(r["arms"][0]["latency"]["count"], 1);
  EXPECT_EQ(r["arms"][1]["requests"], 1);
}

TEST(RouteMonitor, LatencyQuantilesComeFromTheSketchOfSuccessfulCalls) {
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, nullptr);
  for (int i = 1; i <= 1000; ++i) m.RecordOutcome(0, 0, 0, i * 0.001);
  for (int i = 0; i < 100; ++i) m.RecordOutcome(0, 0, 4, 30.0);  // deadline-capped failures
  m.Evaluate(kStart);
  const nlohmann::json lat = m.Report()["arms"][0]["latency"];
  EXPECT_NEAR(lat["p50"].get<double>(), 0.500, 0.500 * 0.011);
  EXPECT_NEAR(lat["p90"].get<double>(), 0.900, 0.900 * 0.011);
  EXPECT_NEAR(lat["p99"].get<double>(), 0.990, 0.990 * 0.011);
  EXPECT_NEAR(lat["mean"].get<double>(), 0.5005, 1e-9);
  EXPECT_NEAR(m.Report()["arms"][0]["error_rate"].get<double>(), 100.0 / 1100, 1e-12);
}

}  // namespace
}  // namespace modelgate::monitor

namespace modelgate::monitor {
namespace {

const nlohmann::json& ArmReport(const nlohmann::json& report, const std::string& arm) {
  for (const auto& a : report["arms"]) {
    if (a["name"] == arm) return a;
  }
  static const nlohmann::json kMissing;
  return kMissing;
}

TEST(RouteMonitor, OnlyServerFaultCodesCountAsErrorsAndClientCancellationsStayOut) {
  RouteMonitor m("r", testing::TwoArms(), testing::BaseConfig(), 1, nullptr);
  // Arm 0: 6 OK, 2 NOT_FOUND and 1 INVALID_ARGUMENT (application answers), 1 UNAVAILABLE and
  // 1 INTERNAL (server faults), 3 CANCELLED (the client gave up).
  for (int code : {0, 0, 0, 0, 0, 0, 5, 5, 3, 14, 13, 1, 1, 1}) m.RecordOutcome(0, 0, code, 0.01);
  m.Evaluate(absl::FromUnixSeconds(1'700'000'000));
  const nlohmann::json report = m.Report();
  const nlohmann::json& a = ArmReport(report, "legacy");
  EXPECT_EQ(a["requests"], 14);
  EXPECT_EQ(a["errors"], 2);
  EXPECT_DOUBLE_EQ(a["error_rate"].get<double>(), 2.0 / 11.0);  // cancellations left out
  EXPECT_EQ(a["latency"]["count"], 6);                          // OK calls only
}

TEST(RouteMonitor, ConfiguredErrorCodesReplaceTheDefaults) {
  config::MonitorConfig c = testing::BaseConfig();
  c.error_codes = {1, 5};  // CANCELLED and NOT_FOUND are errors; UNAVAILABLE is not
  RouteMonitor m("r", testing::TwoArms(), c, 1, nullptr);
  for (int code : {0, 0, 5, 14, 1}) m.RecordOutcome(0, 0, code, 0.01);
  m.Evaluate(absl::FromUnixSeconds(1'700'000'000));
  const nlohmann::json report = m.Report();
  const nlohmann::json& a = ArmReport(report, "legacy");
  EXPECT_EQ(a["errors"], 2);
  EXPECT_DOUBLE_EQ(a["error_rate"].get<double>(), 2.0 / 5.0);
}

}  // namespace
}  // namespace modelgate::monitor
