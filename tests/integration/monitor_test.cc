// Live statistics end to end, through real processes: a candidate that is 2 ms slower with
// shifted outputs is flagged (latency comparison fails, output distribution far from legacy)
// while an identical twin is not; the sample-ratio check (on users) stays quiet; the gauges are
// exported and pass promtool; routes without a monitor have no stats endpoint.
#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "nlohmann/json.hpp"

namespace modelgate {
namespace {

using nlohmann::json;

std::string Config(const std::string& legacy, const std::string& candidate,
                   const std::string& twin) {
  return testutil::LoopbackConfig(
      {{"legacy", legacy}, {"candidate", candidate}, {"twin", twin}}, R"(
routes:
  - name: infer
    match: {service: inference.GRPCInferenceService, method: ModelInfer}
    strategy: ab
    ab:
      arms: [{backend: legacy, weight: 1}, {backend: candidate, weight: 1}, {backend: twin, weight: 1}]
      sticky_header: x-user-id
    monitor:
      min_samples: 200
      payload: inference_v2
      output_tensor: output0
      drift: {reference_samples: 500, window_seconds: 120, min_samples: 300}
  - name: rest
    strategy: forward
    forward: {backend: legacy}
)");
}

const json* Find(const json& list, const std::string& arm, const std::string& key,
                 const std::string& value) {
  for (const json& row : list)
    if (row["arm"] == arm && row[key] == value) return &row;
  return nullptr;
}

TEST(MonitorEndToEnd, ShiftedSlowerCandidateIsFlaggedAndTheIdenticalOneIsNot) {
  testutil::TempDir dir;
  const std::vector<std::string> common = {"--output_noise=0.1", "--latency_ms=1", "--seed=7"};
  auto legacy = testutil::StartFakeModel("legacy", common);
  std::vector<std::string> slow = {"--output_noise=0.1", "--latency_ms=3", "--output_shift=0.5",
                                   "--raw_output", "--seed=8"};
  auto candidate = testutil::StartFakeModel("candidate", slow);
  auto twin = testutil::StartFakeModel("twin", {"--output_noise=0.1", "--latency_ms=1", "--seed=9"});
  ASSERT_TRUE(legacy.ok() && candidate.ok() && twin.ok());
  auto mg = testutil::Modelgate::Start(
      dir.Write("c.yaml", Config(legacy->address, candidate->address, twin->address)));
  ASSERT_TRUE(mg.ok()) << mg.status();

  // One batch of load (users drawn by modelgate-load with its own seed per batch).
  auto run_load = [&](int batch) {
    auto load = testutil::ChildProcess::Spawn(
        {testutil::BinaryPath("modelgate-load"), "--target", (*mg)->grpc_address(),
         "--concurrency=8", "--requests=9000", "--sticky_header=x-user-id", "--keys=20000",
         absl::StrCat("--seed=", batch + 1), "--json"});
    ASSERT_TRUE(load.ok());
    ASSERT_EQ(load->WaitExit(std::chrono::seconds(90)), 0);
  };
  // Statistics are recomputed every second; wait for one that covers the whole run.
  json report;
  auto await_report = [&](int64_t total) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = (*mg)->Get("/api/v1/routes/infer/stats");
      ASSERT_EQ(r.status, 200) << r.body;
      report = json::parse(r.body);
      int64_t requests = 0;
      for (const json& a : report["arms"]) requests += a["requests"].get<int64_t>();
      const json* dist = Find(report["distance"], "twin", "tensor", "output0");
      if (requests == total && dist != nullptr && (*dist)["status"] == "ok") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling, bounded
    }
  };
  auto latency_verdict = [&] {
    const json* c = Find(report["comparisons"], "candidate", "metric", "latency_mean");
    return c == nullptr ? json() : (*c)["verdict"];
  };
  ASSERT_NO_FATAL_FAILURE(run_load(0));
  ASSERT_NO_FATAL_FAILURE(await_report(9000));
  // The p-values are always-valid, so looking and then collecting more is allowed: on a machine
  // so loaded that scheduling noise swamps 2 ms, a second batch gives the test its power back.
  if (latency_verdict() != "fail") {
    ASSERT_NO_FATAL_FAILURE(run_load(1));
    ASSERT_NO_FATAL_FAILURE(await_report(18000));
  }
  SCOPED_TRACE(report.dump(1));

  EXPECT_EQ(report["srm"]["unit"], "users");
  EXPECT_TRUE(report["srm"]["evaluated"].get<bool>());
  EXPECT_FALSE(report["srm"]["detected"].get<bool>());

  const json* slow_latency = Find(report["comparisons"], "candidate", "metric", "latency_mean");
  ASSERT_NE(slow_latency, nullptr);
  EXPECT_EQ((*slow_latency)["verdict"], "fail");
  EXPECT_LT((*slow_latency)["always_valid_p_value"].get<double>(), 1e-6);
  EXPECT_GT((*slow_latency)["effect"].get<double>(), 0.0015);  // ~ +2 ms

  for (const json& c : report["comparisons"]) {
    if (c["arm"] == "twin" && !c["verdict"].is_null()) {
      EXPECT_NE(c["verdict"], "fail") << c.dump();
    }
  }
  EXPECT_EQ(report["verdict"], "fail");  // the route has a failing candidate

  const json* shifted = Find(report["distance"], "candidate", "tensor", "output0");
  const json* same = Find(report["distance"], "twin", "tensor", "output0");
  ASSERT_TRUE(shifted != nullptr && same != nullptr);
  ASSERT_EQ((*shifted)["status"], "ok");
  ASSERT_EQ((*same)["status"], "ok");
  EXPECT_GT((*shifted)["psi"].get<double>(), 0.25);
  EXPECT_LT((*shifted)["ks_p_value"].get<double>(), 1e-6);
  EXPECT_LT((*same)["psi"].get<double>(), 0.1);
  EXPECT_GT((*same)["ks_p_value"].get<double>(), 1e-3);
  EXPECT_GT(report["payload"]["decoded"].get<int64_t>(), 1000);

  // The same story in Prometheus.
  const std::string metrics = (*mg)->Get("/metrics").body;
  for (const char* series :
       {"modelgate_srm_pvalue{route=\"infer\"}",
        "modelgate_compare_pvalue{arm=\"candidate\",metric=\"latency_mean\",route=\"infer\"}",
        "modelgate_compare_verdict{arm=\"candidate\",metric=\"latency_mean\",route=\"infer\"} -1",
        "modelgate_route_verdict{route=\"infer\"} -1",
        "modelgate_arm_distance{arm=\"candidate\",method=\"psi\",route=\"infer\",tensor=\"output0\"}",
        "modelgate_drift_score{arm=\"legacy\",method=\"psi\",route=\"infer\",tensor=\"output0\"}",
        "modelgate_monitor_dropped_total{route=\"infer\"} 0",
        // arm latency is a summary (promtool below rejects quantile= on any other type)
        "# TYPE modelgate_arm_latency_seconds summary",
        "modelgate_arm_latency_seconds{arm=\"legacy\",route=\"infer\",quantile=\"0.99\"}",
        "modelgate_arm_latency_seconds_count{arm=\"legacy\",route=\"infer\"}"}) {
    EXPECT_NE(metrics.find(series), std::string::npos) << series;
  }
  const std::string file = dir.Write("metrics.txt", metrics);
  const std::string out = dir.path() + "/promtool.out";
  const int rc = std::system(("promtool check metrics < " + file + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  EXPECT_EQ(rc, 0) << std::string(std::istreambuf_iterator<char>(in), {});

  EXPECT_EQ((*mg)->Get("/api/v1/routes/rest/stats").status, 404);
  EXPECT_EQ((*mg)->Get("/api/v1/routes/nope/stats").status, 404);
}

}  // namespace
}  // namespace modelgate
