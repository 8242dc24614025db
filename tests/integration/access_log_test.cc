// The access log through real processes: modelgate with access_log on, a shadow route, a route
// whose backend fails every call, and calls no route matches. Every call the clients made has
// exactly one line that says what the client saw (route, arm, status, message, bytes, request
// id, shadow outcome); a clean shutdown loses nothing; `modelgate logs report --json` on the
// file counts the same.
#include <grpcpp/client_context.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.grpc.pb.h"
#include "integration/harness.h"
#include "nlohmann/json.hpp"

namespace modelgate {
namespace {

using inference::GRPCInferenceService;
using inference::ModelInferRequest;
using inference::ModelInferResponse;
using nlohmann::json;

constexpr int kOk = 20, kFailing = 7, kUnrouted = 3;

ModelInferRequest Request(int i) {
  ModelInferRequest req;
  req.set_model_name("m");
  auto* in = req.add_inputs();
  in->set_name("x");
  in->set_datatype("FP32");
  in->add_shape(1);
  in->add_shape(2);
  in->mutable_contents()->add_fp32_contents(static_cast<float>(i));
  in->mutable_contents()->add_fp32_contents(1.0f);
  return req;
}

// What a client saw of one call.
struct Seen {
  std::string route, arm, code, message;
  size_t request_bytes = 0, response_bytes = 0;
};

TEST(AccessLogEndToEnd, EveryCallHasOneLineMatchingWhatItsClientSaw) {
  testutil::TempDir dir;
  auto legacy = testutil::StartFakeModel("legacy", {"--version=legacy"});
  auto candidate = testutil::StartFakeModel("candidate", {"--version=candidate"});
  auto broken = testutil::StartFakeModel("broken", {"--error_rate=1", "--error_code=INTERNAL"});
  ASSERT_TRUE(legacy.ok() && candidate.ok() && broken.ok());
  const std::string config = dir.Write(
      "c.yaml", testutil::LoopbackConfig({{"legacy", legacy->address},
                                          {"candidate", candidate->address},
                                          {"broken", broken->address}},
                                         R"(routes:
  - name: failing
    match: {service: inference.GRPCInferenceService, method: ModelInfer, headers: {x-fail: "yes"}}
    strategy: forward
    forward: {backend: broken}
  - name: infer
    match: {service: inference.GRPCInferenceService, method: ModelInfer}
    strategy: shadow
    shadow: {primary: legacy, shadows: [candidate]}
access_log: {path: access.log, buffer_entries: 1000}
)"));
  auto mg = testutil::Modelgate::Start(config);
  ASSERT_TRUE(mg.ok()) << mg.status();

  std::map<std::string, Seen> seen;  // by request id
  auto channel = (*mg)->NewChannel();
  auto stub = GRPCInferenceService::NewStub(channel);
  for (int i = 0; i < kOk + kFailing; ++i) {
    const bool fail = i >= kOk;
    // Quotes and backslashes: the id must come back intact through the JSON escaping.
    const std::string id = absl::StrCat("req-\"", i, "\"\\");
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("x-request-id", id);
    if (fail) ctx.AddMetadata("x-fail", "yes");
    const ModelInferRequest req = Request(i);
    ModelInferResponse resp;
    const grpc::Status s = stub->ModelInfer(&ctx, req, &resp);
    ASSERT_EQ(s.ok(), !fail) << i << ": " << s.error_message();
    Seen& v = seen[id];
    v.route = fail ? "failing" : "infer";
    v.arm = fail ? "broken" : "legacy";
    v.code = fail ? "INTERNAL" : "OK";
    v.message = s.error_message();
    v.request_bytes = req.ByteSizeLong();
    v.response_bytes = fail ? 0 : resp.ByteSizeLong();
    if (!fail) ASSERT_EQ(resp.model_version(), "legacy");
  }
  for (int i = 0; i < kUnrouted; ++i) {
    const std::string id = absl::StrCat("unrouted-", i);
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-request-id", id);
    inference::ServerLiveResponse resp;
    const grpc::Status s = stub->ServerLive(&ctx, inference::ServerLiveRequest(), &resp);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    seen[id] = {"", "", "UNIMPLEMENTED", s.error_message(), 0, 0};
  }
  const int total = kOk + kFailing + kUnrouted;
  // The writer flushes on its own within its interval; the metric says when.
  EXPECT_EQ((*mg)->WaitForMetric("modelgate_access_log_written_total", total), total);
  EXPECT_EQ((*mg)->Metric("modelgate_access_log_dropped_total{reason=\"queue_full\"}"), 0);
  ASSERT_TRUE((*mg)->process().Signal(SIGTERM));
  ASSERT_EQ((*mg)->process().WaitExit(std::chrono::seconds(20)), 0);

  const std::string log_path = dir.path() + "/access.log";
  const std::vector<std::string> lines = testutil::ReadLines(log_path);
  ASSERT_EQ(lines.size(), static_cast<size_t>(total));
  std::map<std::tuple<std::string, std::string, std::string>, int> counts;
  std::set<std::string> ids;
  for (const std::string& line : lines) {
    SCOPED_TRACE(line);
    const json j = json::parse(line);
    const std::string id = j.at("request_id");
    ASSERT_TRUE(seen.count(id)) << id;
    ASSERT_TRUE(ids.insert(id).second) << "two lines for " << id;
    const Seen& v = seen[id];
    EXPECT_EQ(j.at("route"), v.route);
    EXPECT_EQ(j.at("arm"), v.arm);
    EXPECT_EQ(j.at("code"), v.code);
    EXPECT_EQ(j.value("message", ""), v.message.substr(0, 256));
    EXPECT_EQ(j.at("request_bytes"), v.request_bytes);
    EXPECT_EQ(j.at("response_bytes"), v.response_bytes);
    EXPECT_GT(j.at("latency_ms").get<double>(), 0);
    EXPECT_EQ(j.at("time").get<std::string>().size(), 24u);  // 2026-12-04T10:11:12.345Z
    if (v.route == "infer") {
      EXPECT_EQ(j.at("shadow"), "mirrored");
      EXPECT_EQ(j.at("method"), "/inference.GRPCInferenceService/ModelInfer");
    } else {
      EXPECT_FALSE(j.contains("shadow"));
    }
    EXPECT_FALSE(j.contains("interleave"));
    ++counts[{j.at("route"), j.at("arm"), j.at("code")}];
  }
  EXPECT_EQ((counts[{"infer", "legacy", "OK"}]), kOk);
  EXPECT_EQ((counts[{"failing", "broken", "INTERNAL"}]), kFailing);
  EXPECT_EQ((counts[{"", "", "UNIMPLEMENTED"}]), kUnrouted);

  // The report reads the same file and counts the same.
  auto report = testutil::ChildProcess::Spawn(
      {testutil::BinaryPath("modelgate"), "logs", "report", "--json", log_path});
  ASSERT_TRUE(report.ok()) << report.status();
  auto out = report->ReadAllWithTimeout(std::chrono::seconds(20));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(report->WaitExit(std::chrono::seconds(20)), 0);
  const json r = json::parse(*out);
  EXPECT_EQ(r["records"], total);
  EXPECT_EQ(r["malformed"], 0);
  std::map<std::string, json> series;
  for (const json& s : r["series"]) series[s["route"].get<std::string>() + "/" + s["arm"].get<std::string>()] = s;
  EXPECT_EQ(series["infer/legacy"]["codes"]["OK"], kOk);
  EXPECT_EQ(series["failing/broken"]["codes"]["INTERNAL"], kFailing);
  EXPECT_EQ(series["/"]["codes"]["UNIMPLEMENTED"], kUnrouted);
  bool shadow_counted = false;
  for (const json& route : r["routes"]) {
    if (route["route"] == "infer") {
      EXPECT_EQ(route["shadow"]["mirrored"], kOk);
      shadow_counted = true;
    }
  }
  EXPECT_TRUE(shadow_counted);
  ASSERT_FALSE(r["error_patterns"].empty());
  EXPECT_EQ(r["error_patterns"][0]["route"], "failing");
  EXPECT_EQ(r["error_patterns"][0]["count"], kFailing);
}

}  // namespace
}  // namespace modelgate
