// Shadow testing through real processes: modelgate mirrors ModelInfer to a candidate (and a
// noise reference) and compares the answers on its own thread. The client always gets the
// primary's answer. An identical shadow agrees 100%; a shifted one is reported on the right
// tensor with the right magnitude; a killed shadow changes nothing for the client and its
// errors are counted; a hanging shadow is bounded by max_inflight (drops counted); a field that
// is random in the legacy itself is recognised as noise while a real change still shows.
#include <grpcpp/client_context.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/stable_hash.h"
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

std::string Config(const std::vector<std::pair<std::string, std::string>>& backends,
                   const std::string& shadow_extra) {
  return testutil::LoopbackConfig(backends, absl::StrCat(R"(
routes:
  - name: infer
    match: {service: inference.GRPCInferenceService, method: ModelInfer}
    strategy: shadow
    shadow:
      primary: legacy
      shadows: [candidate]
)", shadow_extra));
}

ModelInferRequest Request(int i, int floats = 4) {
  ModelInferRequest req;
  req.set_model_name("m");
  auto* in = req.add_inputs();
  in->set_name("x");
  in->set_datatype("FP32");
  in->add_shape(1);
  in->add_shape(floats);
  for (int k = 0; k < floats; ++k) {
    in->mutable_contents()->add_fp32_contents(0.25f * (i % 8) + static_cast<float>(k % 4));
  }
  return req;
}

// Sends `n` calls; every one must succeed with the primary's answer (its version is "legacy").
// `compress`: requests are sent gzip-compressed, with `floats` inputs (gRPC sends a message
// uncompressed when compressing would not make it smaller).
void CallAll(const testutil::Modelgate& mg, int n, bool compress = false, int floats = 4) {
  auto stub = GRPCInferenceService::NewStub(mg.NewChannel());
  for (int i = 0; i < n; ++i) {
    grpc::ClientContext ctx;
    if (compress) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("x-request-id", absl::StrCat("req-", i));
    ModelInferResponse resp;
    const grpc::Status s = stub->ModelInfer(&ctx, Request(i, floats), &resp);
    ASSERT_TRUE(s.ok()) << i << ": " << s.error_message();
    ASSERT_EQ(resp.model_version(), "legacy") << i;
  }
}

// The shadow report once `compared` samples are in (polled, bounded).
json Report(const testutil::Modelgate& mg, int compared) {
  json report;
  testutil::PollUntil(
      [&] {
        auto r = mg.Get("/api/v1/routes/infer/shadow");
        if (r.status != 200) return false;
        report = json::parse(r.body);
        return report["compared"].get<int>() >= compared;
      },
      std::chrono::seconds(20));
  return report;
}

const json* Field(const json& shadow, const std::string& name) {
  if (!shadow["outputs"].is_object()) return nullptr;
  for (const json& f : shadow["outputs"]["fields"]) {
    if (f["field"] == name) return &f;
  }
  return nullptr;
}

absl::StatusOr<testutil::ListeningProcess> Model(const std::string& version,
                                                 std::vector<std::string> flags = {}) {
  flags.push_back("--version=" + version);
  return testutil::StartFakeModel(version, flags);
}

TEST(ShadowEndToEnd, AnIdenticalShadowAgreesOnEveryCall) {
  testutil::TempDir dir;
  auto legacy = Model("legacy");
  auto candidate = Model("legacy");  // the same model: byte-identical answers
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", Config({{"legacy", legacy->address}, {"candidate", candidate->address}},
                       "      compare: {payload: inference_v2}\n")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  CallAll(**mg, 200);
  const json report = Report(**mg, 200);
  SCOPED_TRACE(report.dump(1));
  ASSERT_EQ(report["compared"], 200);
  const json& s = report["shadows"][0];
  EXPECT_EQ(s["shadow"], "candidate");
  EXPECT_EQ(s["samples"], 200);
  EXPECT_EQ(s["status"]["agreement_rate"], 1.0);
  EXPECT_EQ(s["bytes"]["equal_rate"], 1.0);
  const json* out = Field(s, "output0");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ((*out)["raw_difference_rate"], 0.0);
  EXPECT_EQ(s["latency_delta_seconds"]["count"], 200);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_shadow_requests_total{code="OK",route="infer",shadow="candidate"})"),
            200);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_shadow_bytes_equal_ratio{route="infer",shadow="candidate"})"),
            1);
  EXPECT_EQ(json::parse((*mg)->Get("/api/v1/routes/infer/diffs").body)["diffs"].size(), 0u);
}

TEST(ShadowEndToEnd, AShiftedShadowIsReportedOnTheRightTensorWithTheRightMagnitude) {
  testutil::TempDir dir;
  auto legacy = Model("legacy");
  auto candidate = Model("legacy", {"--output_shift=0.25"});
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", Config({{"legacy", legacy->address}, {"candidate", candidate->address}},
                       "      compare: {payload: inference_v2, absolute_tolerance: 0.01}\n"
                       "      diffs: {max_samples: 10, file: diffs.jsonl}\n")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  CallAll(**mg, 100);
  const json report = Report(**mg, 100);
  SCOPED_TRACE(report.dump(1));
  const json& s = report["shadows"][0];
  EXPECT_EQ(s["status"]["agreement_rate"], 1.0);
  EXPECT_EQ(s["bytes"]["equal_rate"], 0.0);
  const json* out = Field(s, "output0");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ((*out)["raw_difference_rate"], 1.0);
  EXPECT_EQ((*out)["within_tolerance_rate"], 0.0);
  // FP32 rounding of x + 0.25 for x up to 5: within 1e-6.
  EXPECT_NEAR((*out)["abs_error"]["max"].get<double>(), 0.25, 1e-6);
  EXPECT_EQ((*mg)->Metric(
                R"(modelgate_shadow_mismatch_total{kind="value_mismatch",route="infer",shadow="candidate"})"),
            100);
  const json diffs = json::parse((*mg)->Get("/api/v1/routes/infer/diffs").body);
  EXPECT_EQ(diffs["kept"], 10);
  EXPECT_EQ(diffs["seen"], 100);
  ASSERT_EQ(diffs["diffs"].size(), 10u);
  EXPECT_EQ(diffs["diffs"][0]["field"], "output0");
  EXPECT_EQ(diffs["diffs"][0]["kind"], "value_mismatch");
  EXPECT_EQ(diffs["diffs"][0]["request_id"], "req-99");  // newest first
  EXPECT_EQ(testutil::ReadLines(dir.path() + "/diffs.jsonl").size(), 100u);
}

// Compressed traffic (gzip requests from the client, gzip answers from both models) is
// forwarded as it is, and compared by what it carries: the shift is found on the same tensor
// with the same magnitude, and no answer is a decode error.
TEST(ShadowEndToEnd, CompressedAnswersAreComparedByWhatTheyCarry) {
  testutil::TempDir dir;
  auto legacy = Model("legacy", {"--compress_responses"});
  auto candidate = Model("legacy", {"--compress_responses", "--output_shift=0.25"});
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", Config({{"legacy", legacy->address}, {"candidate", candidate->address}},
                       "      compare: {payload: inference_v2, absolute_tolerance: 0.01}\n")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  CallAll(**mg, 50, /*compress=*/true, /*floats=*/1024);
  const json report = Report(**mg, 50);
  SCOPED_TRACE(report.dump(1));
  const json& s = report["shadows"][0];
  EXPECT_EQ(s["status"]["agreement_rate"], 1.0);
  const json* out = Field(s, "output0");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ((*out)["raw_difference_rate"], 1.0);
  EXPECT_NEAR((*out)["abs_error"]["max"].get<double>(), 0.25, 1e-6);
  EXPECT_EQ((*mg)->Metric(
                R"(modelgate_shadow_mismatch_total{kind="value_mismatch",route="infer",shadow="candidate"})"),
            50);
  EXPECT_EQ((*mg)->Metric(
                R"(modelgate_shadow_mismatch_total{kind="decode_error",route="infer",shadow="candidate"})"),
            -1);  // never counted
}

TEST(ShadowEndToEnd, AKilledShadowChangesNothingForClientsAndItsErrorsAreCounted) {
  testutil::TempDir dir;
  auto legacy = Model("legacy");
  auto candidate = Model("legacy");
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", Config({{"legacy", legacy->address}, {"candidate", candidate->address}},
                       "      timeout_seconds: 2\n")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  CallAll(**mg, 20);
  Report(**mg, 20);  // no copy still in flight when the shadow dies
  candidate->process.Signal(SIGKILL);
  candidate->process.WaitExit(std::chrono::seconds(10));
  CallAll(**mg, 100);  // every call answered by the primary
  const json report = Report(**mg, 120);
  SCOPED_TRACE(report.dump(1));
  const json& s = report["shadows"][0];
  int64_t unavailable = 0;
  for (const json& cell : s["status"]["matrix"]) {
    if (cell["primary"] == "OK" && cell["shadow"] == "UNAVAILABLE") unavailable = cell["count"];
  }
  EXPECT_EQ(unavailable, 100);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_shadow_requests_total{code="UNAVAILABLE",route="infer",shadow="candidate"})"),
            100);
  EXPECT_EQ((*mg)->Metric(R"(modelgate_requests_total{arm="legacy",code="OK",route="infer"})"),
            120);
}

TEST(ShadowEndToEnd, AHangingShadowIsBoundedByMaxInflightAndDropsAreCounted) {
  testutil::TempDir dir;
  auto legacy = Model("legacy");
  auto candidate = Model("legacy", {"--latency_ms=30000"});
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", Config({{"legacy", legacy->address}, {"candidate", candidate->address}},
                       "      max_inflight: 4\n      timeout_seconds: 60\n")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  CallAll(**mg, 50);  // all answered by the primary while the shadow holds its 4 copies
  EXPECT_EQ((*mg)->Metric(
                R"(modelgate_shadow_dropped_total{reason="max_inflight",route="infer",shadow="candidate"})"),
            46);
}

TEST(ShadowEndToEnd, NoiseCancellationHidesAFieldRandomInTheLegacyAndKeepsARealChange) {
  testutil::TempDir dir;
  auto legacy = Model("legacy", {"--nonce_output", "--seed=1"});
  auto legacy_b = Model("legacy", {"--nonce_output", "--seed=2"});
  auto candidate = Model("legacy", {"--nonce_output", "--seed=3", "--output_shift=0.5"});
  ASSERT_TRUE(legacy.ok() && legacy_b.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", Config({{"legacy", legacy->address},
                        {"candidate", candidate->address},
                        {"legacy-b", legacy_b->address}},
                       "      noise_reference: legacy-b\n"
                       "      compare: {payload: inference_v2}\n")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  CallAll(**mg, 200);
  const json report = Report(**mg, 200);
  SCOPED_TRACE(report.dump(1));
  const json& s = report["shadows"][0];
  const json* nonce = Field(s, "nonce");
  const json* out = Field(s, "output0");
  ASSERT_TRUE(nonce != nullptr && out != nullptr);
  EXPECT_EQ((*nonce)["raw_difference_rate"], 1.0);
  EXPECT_EQ((*nonce)["noise_difference_rate"], 1.0);
  EXPECT_EQ((*nonce)["adjusted_difference_rate"], 0.0);
  EXPECT_EQ((*nonce)["noise_status"], "within_noise");
  EXPECT_EQ((*out)["raw_difference_rate"], 1.0);
  EXPECT_EQ((*out)["noise_difference_rate"], 0.0);
  EXPECT_EQ((*out)["adjusted_difference_rate"], 1.0);
  EXPECT_EQ((*out)["noise_status"], "real");
  EXPECT_EQ((*mg)->Metric(
                R"(modelgate_shadow_tensor_difference_rate{basis="noise_adjusted",route="infer",shadow="candidate",tensor="nonce"})"),
            0);
  EXPECT_EQ(report["noise"]["samples"], 200);
}

TEST(ShadowEndToEnd, StickySamplingMirrorsWholeUsersTheSameOnEveryReplica) {
  // sample_rate 0.5 by user: a user's calls are all mirrored or none is, and which users are
  // mirrored is the stable bucket of (salt, route, user) — what every replica computes.
  testutil::TempDir dir;
  auto legacy = Model("legacy");
  auto candidate = Model("legacy", {"--output_shift=0.25"});  // every mirrored pair differs
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", Config({{"legacy", legacy->address}, {"candidate", candidate->address}},
                       "      sample_rate: 0.5\n"
                       "      sticky_header: x-user-id\n"
                       "      salt: s1\n"
                       "      compare: {payload: inference_v2}\n"
                       "      diffs: {max_samples: 1000}\n")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  constexpr int kUsers = 40, kCallsPerUser = 5;
  std::set<std::string> expected_users;
  for (int u = 0; u < kUsers; ++u) {
    const std::string user = absl::StrCat("u", u);
    if (StableBucket("s1", "infer", user) < kBuckets / 2) expected_users.insert(user);
  }
  ASSERT_GT(expected_users.size(), 5u);  // a fixed fact of these names; guards the test itself
  ASSERT_LT(expected_users.size(), 35u);
  auto stub = GRPCInferenceService::NewStub((*mg)->NewChannel());
  for (int j = 0; j < kCallsPerUser; ++j) {  // users interleaved, as real traffic is
    for (int u = 0; u < kUsers; ++u) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      ctx.AddMetadata("x-user-id", absl::StrCat("u", u));
      ctx.AddMetadata("x-request-id", absl::StrCat("u", u, "/", j));
      ModelInferResponse resp;
      ASSERT_TRUE(stub->ModelInfer(&ctx, Request(u), &resp).ok());
      ASSERT_EQ(resp.model_version(), "legacy");
    }
  }
  const int mirrored = static_cast<int>(expected_users.size()) * kCallsPerUser;
  const json report = Report(**mg, mirrored);
  ASSERT_EQ(report["compared"], mirrored) << report.dump(1);
  std::map<std::string, int> calls_seen;
  const testutil::HttpResponse got = (*mg)->Get("/api/v1/routes/infer/diffs");
  ASSERT_EQ(got.status, 200) << got.body;
  const json diffs = json::parse(got.body);
  ASSERT_EQ(diffs["kept"], mirrored) << got.body.substr(0, 2000);
  for (const json& d : diffs["diffs"]) {
    const std::string id = d["request_id"];
    ++calls_seen[id.substr(0, id.find('/'))];
  }
  std::set<std::string> seen_users;
  for (const auto& [user, n] : calls_seen) {
    EXPECT_EQ(n, kCallsPerUser) << user << ": a user's calls were mirrored only in part";
    seen_users.insert(user);
  }
  EXPECT_EQ(seen_users, expected_users);
}

TEST(ShadowEndToEnd, AMonitorFlagsASlowerShadowBeforeAnyUserSeesIt) {
  testutil::TempDir dir;
  auto legacy = Model("legacy", {"--latency_ms=1"});
  auto candidate = Model("legacy", {"--latency_ms=4"});
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  auto mg = testutil::Modelgate::Start(dir.Write(
      "c.yaml", testutil::LoopbackConfig(
                    {{"legacy", legacy->address}, {"candidate", candidate->address}}, R"(
routes:
  - name: infer
    match: {service: inference.GRPCInferenceService, method: ModelInfer}
    strategy: shadow
    shadow: {primary: legacy, shadows: [candidate]}
    monitor: {latency_tolerance: 0.2, min_samples: 100}
)")));
  ASSERT_TRUE(mg.ok()) << mg.status();
  CallAll(**mg, 400);  // every answer is the primary's
  json report, slow;
  testutil::PollUntil(
      [&] {
        auto r = (*mg)->Get("/api/v1/routes/infer/stats");
        if (r.status != 200) return false;
        report = json::parse(r.body);
        for (const json& c : report["comparisons"]) {
          if (c["arm"] == "candidate" && c["metric"] == "latency_mean") slow = c;
        }
        int64_t requests = 0;  // statistics recomputed once a second: wait for all of them
        for (const json& a : report["arms"]) requests += a["requests"].get<int64_t>();
        return requests == 800 && slow.is_object() && slow["verdict"] == "fail";
      },
      std::chrono::seconds(30));
  SCOPED_TRACE(report.dump(1));
  ASSERT_TRUE(slow.is_object());
  EXPECT_EQ(slow["verdict"], "fail");
  EXPECT_GT(slow["effect"].get<double>(), 0.002);  // ~ +3 ms
  for (const json& a : report["arms"]) {
    EXPECT_EQ(a["requests"], 400) << a.dump();  // the primary's calls and the shadow's copies
  }
}

}  // namespace
}  // namespace modelgate
