// Payload drift on a RouteMonitor: synthetic ModelInferResponses (typed and raw contents) and
// requests, per-arm drift against each arm's reference, candidate-vs-reference-arm distance,
// reference files, decode errors, and the drift gauges.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "monitor/route_monitor.h"
#include "monitor/test_util.h"
#include "prometheus/registry.h"

namespace modelgate::monitor {
namespace {

using testing::BaseConfig;
using testing::Fp32Response;
using testing::Fp64Request;
using testing::Gaussian;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RawFp32Response;
using testing::Serialize;
using testing::SeriesValue;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
constexpr int kValuesPerResponse = 8;

config::MonitorConfig DriftConfig() {
  config::MonitorConfig c = BaseConfig();
  c.payload = "inference_v2";
  c.output_tensor = "score";
  c.drift.bins = 10;
  c.drift.reference_samples = 400;
  c.drift.min_samples = 200;
  c.drift.window_seconds = 60;
  return c;
}

std::vector<float> Draw(Gaussian& g, double mean, double sd = 1.0) {
  std::vector<float> v;
  for (int i = 0; i < kValuesPerResponse; ++i) v.push_back(static_cast<float>(g.Next(mean, sd)));
  return v;
}

const nlohmann::json* Row(const nlohmann::json& report, const char* list, const std::string& arm,
                          const std::string& tensor) {
  for (const auto& r : report[list]) {
    if (r["arm"] == arm && r["tensor"] == tensor) return &r;
  }
  return nullptr;
}

TEST(PayloadDrift, ShiftedCandidateIsFarFromTheReferenceArmAndAnIdenticalOneIsClose) {
  auto registry = std::make_shared<prometheus::Registry>();
  RouteMonitor m("r", {{"legacy", 1}, {"shifted", 1}, {"same", 1}}, DriftConfig(), 1, registry);
  ASSERT_TRUE(m.payload_enabled());
  Gaussian g(31);
  for (int i = 0; i < 150; ++i) {
    const absl::Time t = kStart + absl::Milliseconds(100 * i);
    m.RecordPayload(0, nullptr, Fp32Response("score", Draw(g, 0.0)), t);
    m.RecordPayload(1, nullptr, Fp32Response("score", Draw(g, 1.0)), t);
    m.RecordPayload(2, nullptr, Fp32Response("score", Draw(g, 0.0)), t);
  }
  m.Evaluate(kStart + absl::Seconds(15));
  const nlohmann::json r = m.Report();
  EXPECT_EQ(r["payload"]["decoded"], 450);
  EXPECT_EQ(r["payload"]["decode_errors"], 0);

  const nlohmann::json& far = *Row(r, "distance", "shifted", "score");
  const nlohmann::json& near = *Row(r, "distance", "same", "score");
  ASSERT_EQ(far["status"], "ok") << far.dump(2);
  ASSERT_EQ(near["status"], "ok") << near.dump(2);
  EXPECT_EQ(far["reference_arm"], "legacy");
  EXPECT_EQ(far["kind"], "output");
  EXPECT_EQ(far["reference_count"], 800);  // legacy window: all but the 400 reference values
  // Candidate values recorded before the legacy arm's first 400 values fixed the bins are not
  // counted: 101 of 150 responses remain.
  EXPECT_EQ(far["current_count"], 808);
  EXPECT_GT(far["psi"].get<double>(), 0.25);
  EXPECT_LT(far["ks_p_value"].get<double>(), 1e-10);
  EXPECT_EQ(far["ks_method"], "sample");
  EXPECT_GT(far["wasserstein_normalized"].get<double>(), 0.7);
  EXPECT_GT(far["js_distance"].get<double>(), 0.2);
  EXPECT_LT(near["psi"].get<double>(), 0.1);
  EXPECT_GT(near["ks_p_value"].get<double>(), 0.01);
  EXPECT_LT(near["wasserstein_normalized"].get<double>(), 0.1);

  // Every arm is stationary against its own reference.
  for (const char* arm : {"legacy", "shifted", "same"}) {
    const nlohmann::json& d = *Row(r, "drift", arm, "score");
    ASSERT_EQ(d["status"], "ok") << d.dump(2);
    EXPECT_EQ(d["reference_count"], 400);
    EXPECT_LT(d["psi"].get<double>(), 0.1) << arm;
  }

  // Gauges carry the same numbers.
  const std::string text = Serialize(*registry);
  EXPECT_NEAR(SeriesValue(text,
                          "modelgate_arm_distance{arm=\"shifted\",method=\"psi\","
                          "route=\"r\",tensor=\"score\"}"),
              far["psi"].get<double>(), 1e-12);
  EXPECT_NEAR(SeriesValue(text,
                          "modelgate_arm_distance_pvalue{arm=\"same\",route=\"r\","
                          "tensor=\"score\"}"),
              near["ks_p_value"].get<double>(), 1e-12);
  EXPECT_NEAR(SeriesValue(text,
                          "modelgate_drift_score{arm=\"legacy\",method=\"js\","
                          "route=\"r\",tensor=\"score\"}"),
              Row(r, "drift", "legacy", "score")->at("js_distance").get<double>(), 1e-12);
  EXPECT_FALSE(std::isnan(
      SeriesValue(text, "modelgate_drift_pvalue{arm=\"shifted\",route=\"r\",tensor=\"score\"}")));
  EXPECT_THAT(text, Not(HasSubstr("arm=\"legacy\",method=\"psi\",route=\"r\",tensor=\"score\"} "
                                  "nan")));
}

TEST(PayloadDrift, AnArmWhoseOutputsShiftAfterItsReferenceDrifts) {
  RouteMonitor m("r", testing::TwoArms(), DriftConfig(), 1, nullptr);
  Gaussian g(32);
  for (int i = 0; i < 50; ++i) {  // 400 values each: both references
    m.RecordPayload(0, nullptr, Fp32Response("score", Draw(g, 0.0)), kStart);
    m.RecordPayload(1, nullptr, Fp32Response("score", Draw(g, 5.0, 2.0)), kStart);
  }
  m.Evaluate(kStart);
  EXPECT_EQ(Row(m.Report(), "drift", "legacy", "score")->at("status"), "insufficient_data");
  for (int i = 0; i < 60; ++i) {
    const absl::Time t = kStart + absl::Seconds(1 + i / 10);
    m.RecordPayload(0, nullptr, Fp32Response("score", Draw(g, 2.0)), t);  // legacy moved
    m.RecordPayload(1, nullptr, Fp32Response("score", Draw(g, 5.0, 2.0)), t);
  }
  m.Evaluate(kStart + absl::Seconds(10));
  const nlohmann::json r = m.Report();
  const nlohmann::json& moved = *Row(r, "drift", "legacy", "score");
  const nlohmann::json& steady = *Row(r, "drift", "candidate", "score");
  ASSERT_EQ(moved["status"], "ok");
  EXPECT_GT(moved["psi"].get<double>(), 1.0);
  EXPECT_LT(moved["ks_p_value"].get<double>(), 1e-10);
  EXPECT_LT(steady["psi"].get<double>(), 0.1);
  EXPECT_GT(steady["ks_p_value"].get<double>(), 0.01);
}

TEST(PayloadDrift, StatusSaysWhenThereIsTooLittleDataAndGaugesStayAbsent) {
  auto registry = std::make_shared<prometheus::Registry>();
  RouteMonitor m("r", testing::TwoArms(), DriftConfig(), 1, registry);
  Gaussian g(33);
  for (int i = 0; i < 10; ++i) {
    m.RecordPayload(0, nullptr, Fp32Response("score", Draw(g, 0.0)), kStart);
  }
  m.Evaluate(kStart);
  nlohmann::json r = m.Report();
  EXPECT_EQ(Row(r, "drift", "legacy", "score")->at("status"), "learning_reference");
  EXPECT_EQ(Row(r, "drift", "legacy", "score")->at("reference_count"), 80);
  EXPECT_TRUE(Row(r, "drift", "legacy", "score")->at("psi").is_null());
  EXPECT_EQ(Row(r, "distance", "candidate", "score")->at("status"), "learning_reference");
  EXPECT_THAT(Serialize(*registry), Not(HasSubstr("modelgate_drift_score{")));

  // Reference complete and a full window...
  for (int i = 0; i < 100; ++i) {
    m.RecordPayload(0, nullptr, Fp32Response("score", Draw(g, 0.0)), kStart + absl::Seconds(1));
  }
  m.Evaluate(kStart + absl::Seconds(2));
  EXPECT_EQ(Row(m.Report(), "drift", "legacy", "score")->at("status"), "ok");
  EXPECT_THAT(Serialize(*registry), HasSubstr("modelgate_drift_score{arm=\"legacy\""));
  // ...then two window lengths without traffic: nothing to judge, and no stale gauge.
  m.Evaluate(kStart + absl::Seconds(130));
  EXPECT_EQ(Row(m.Report(), "drift", "legacy", "score")->at("status"), "insufficient_data");
  EXPECT_THAT(Serialize(*registry), Not(HasSubstr("modelgate_drift_score{")));
}

TEST(PayloadDrift, RawOutputContentsAreReadLikeTypedContents) {
  RouteMonitor m("r", testing::TwoArms(), DriftConfig(), 1, nullptr);
  Gaussian g(34);
  for (int i = 0; i < 150; ++i) {
    const absl::Time t = kStart + absl::Milliseconds(100 * i);
    m.RecordPayload(0, nullptr, Fp32Response("score", Draw(g, 0.0)), t);
    m.RecordPayload(1, nullptr, RawFp32Response("score", Draw(g, 0.0)), t);
  }
  m.Evaluate(kStart + absl::Seconds(15));
  const nlohmann::json r = m.Report();
  EXPECT_EQ(r["payload"]["decoded"], 300);
  const nlohmann::json& d = *Row(r, "distance", "candidate", "score");
  ASSERT_EQ(d["status"], "ok");
  EXPECT_LT(d["psi"].get<double>(), 0.1);
}

TEST(PayloadDrift, InputFeaturesDriftLikeOutputs) {
  config::MonitorConfig c = DriftConfig();
  c.input_tensors = {"x"};
  RouteMonitor m("r", testing::TwoArms(), c, 1, nullptr);
  EXPECT_TRUE(m.needs_request());
  Gaussian g(35);
  for (int i = 0; i < 150; ++i) {
    const absl::Time t = kStart + absl::Milliseconds(100 * i);
    std::vector<double> x0, x1;
    for (int k = 0; k < kValuesPerResponse; ++k) {
      x0.push_back(g.Next(10, 1));
      x1.push_back(g.Next(13, 1));  // the candidate is sent different traffic
    }
    const inference::ModelInferRequest req0 = Fp64Request("x", x0), req1 = Fp64Request("x", x1);
    m.RecordPayload(0, &req0, Fp32Response("score", Draw(g, 0.0)), t);
    m.RecordPayload(1, &req1, Fp32Response("score", Draw(g, 0.0)), t);
  }
  m.Evaluate(kStart + absl::Seconds(15));
  const nlohmann::json r = m.Report();
  const nlohmann::json& x = *Row(r, "distance", "candidate", "x");
  EXPECT_EQ(x["kind"], "input");
  ASSERT_EQ(x["status"], "ok");
  EXPECT_GT(x["psi"].get<double>(), 1.0);
  EXPECT_LT(Row(r, "distance", "candidate", "score")->at("psi").get<double>(), 0.1);
  EXPECT_LT(Row(r, "drift", "candidate", "x")->at("psi").get<double>(), 0.1);
}

TEST(PayloadDrift, MissingTensorsCountAsDecodeErrors) {
  config::MonitorConfig c = DriftConfig();
  c.input_tensors = {"x"};
  auto registry = std::make_shared<prometheus::Registry>();
  RouteMonitor m("r", testing::TwoArms(), c, 1, registry);
  const inference::ModelInferRequest req = Fp64Request("x", {1, 2});
  m.RecordPayload(0, &req, Fp32Response("other", {1, 2}), kStart);     // no "score"
  m.RecordPayload(0, nullptr, Fp32Response("score", {1, 2}), kStart);  // no request
  m.RecordPayload(0, &req, Fp32Response("score", {1, 2}), kStart);     // complete
  EXPECT_EQ(m.payload_counts().decode_errors, 2);
  EXPECT_EQ(m.payload_counts().decoded, 1);
  const std::string text = Serialize(*registry);
  EXPECT_EQ(SeriesValue(text, "modelgate_monitor_decode_errors_total{route=\"r\"}"), 2);
  EXPECT_EQ(SeriesValue(text, "modelgate_monitor_decoded_total{route=\"r\"}"), 1);
}

TEST(PayloadDrift, UnnamedOutputMonitorsTheFirstOutputUnderItsName) {
  config::MonitorConfig c = DriftConfig();
  c.output_tensor = "";
  RouteMonitor m("r", testing::TwoArms(), c, 1, nullptr);
  m.RecordPayload(0, nullptr, Fp32Response("probabilities", {0.1f, 0.9f}), kStart);
  m.Evaluate(kStart);
  EXPECT_NE(Row(m.Report(), "drift", "legacy", "probabilities"), nullptr);
}

class ReferenceFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/monitor_reference_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".txt";
    std::ofstream out(path_);
    out << "# reference scores\n";
    Gaussian g(36);
    for (int i = 0; i < 1000; ++i) out << g.Next(0, 1) << "\n";
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(ReferenceFile, IsEveryArmsReferenceFromTheFirstValue) {
  config::MonitorConfig c = DriftConfig();
  c.drift.reference_file = path_;
  auto m = RouteMonitor::Create("r", testing::TwoArms(), c, 1, nullptr);
  ASSERT_TRUE(m.ok()) << m.status();
  Gaussian g(37);
  for (int i = 0; i < 50; ++i) {
    (*m)->RecordPayload(0, nullptr, Fp32Response("score", Draw(g, 0.0)), kStart);
    (*m)->RecordPayload(1, nullptr, Fp32Response("score", Draw(g, 1.5)), kStart);
  }
  (*m)->Evaluate(kStart);
  const nlohmann::json r = (*m)->Report();
  const nlohmann::json& legacy = *Row(r, "drift", "legacy", "score");
  const nlohmann::json& candidate = *Row(r, "drift", "candidate", "score");
  ASSERT_EQ(legacy["status"], "ok") << legacy.dump(2);
  EXPECT_EQ(legacy["reference_count"], 1000);
  EXPECT_EQ(legacy["current_count"], 400);  // nothing spent on learning
  EXPECT_LT(legacy["psi"].get<double>(), 0.1);
  EXPECT_GT(candidate["psi"].get<double>(), 0.5);
  // The arm comparison uses the file's bins, so it runs from the start too.
  EXPECT_EQ(Row(r, "distance", "candidate", "score")->at("status"), "ok");
}

TEST(ReferenceFileErrors, CreateFailsOnAMissingFileAndTheConstructorFallsBackToLearning) {
  config::MonitorConfig c = DriftConfig();
  c.drift.reference_file = "/nonexistent/reference.txt";
  auto created = RouteMonitor::Create("r", testing::TwoArms(), c, 1, nullptr);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(std::string(created.status().message()), HasSubstr("/nonexistent/reference.txt"));

  RouteMonitor fallback("r", testing::TwoArms(), c, 1, nullptr);
  fallback.RecordPayload(0, nullptr, Fp32Response("score", {1, 2, 3}), kStart);
  fallback.Evaluate(kStart);
  EXPECT_EQ(Row(fallback.Report(), "drift", "legacy", "score")->at("status"), "learning_reference");
}

TEST(ReferenceFileErrors, CreateRejectsMoreBinsThanReferenceSamples) {
  config::MonitorConfig c = DriftConfig();
  c.drift.bins = 100;
  c.drift.reference_samples = 50;
  auto created = RouteMonitor::Create("r", testing::TwoArms(), c, 1, nullptr);
  EXPECT_FALSE(created.ok());
}

}  // namespace
}  // namespace modelgate::monitor
