// The comparer of a shadow route, driven directly: samples offered as the data plane would,
// drained as the engine's thread would. Status matrix, latency delta, byte equality, tensor
// diffs with noise cancellation, the diff samples and their file, the queue bound, and the
// metrics it exports.
#include "shadow/comparer.h"

#include <fstream>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "inference/grpc_predict_v2.pb.h"
#include "prometheus/text_serializer.h"
#include "testing/gzip.h"
#include "testing/temp_dir.h"

namespace modelgate::shadow {
namespace {

using nlohmann::json;

absl::Cord Response(float value, float nonce) {
  inference::ModelInferResponse r;
  r.set_model_name("m");
  auto* out = r.add_outputs();
  out->set_name("output0");
  out->set_datatype("FP32");
  out->add_shape(2);
  out->mutable_contents()->add_fp32_contents(value);
  out->mutable_contents()->add_fp32_contents(value + 1);
  auto* n = r.add_outputs();
  n->set_name("nonce");
  n->set_datatype("FP32");
  n->add_shape(1);
  n->mutable_contents()->add_fp32_contents(nonce);
  return absl::Cord(r.SerializeAsString());
}

ComparerSpec Spec(PayloadKind payload, bool noise) {
  ComparerSpec spec;
  spec.route = "infer";
  spec.arm_names = {"legacy", "candidate"};
  spec.primary = 0;
  spec.shadows = {1};
  if (noise) {
    spec.arm_names.push_back("legacy-b");
    spec.noise_reference = 2;
  }
  spec.payload = payload;
  spec.absolute_tolerance = 0.001;
  spec.relative_tolerance = 0;
  spec.noise_min_samples = 10;
  spec.max_diff_samples = 3;
  return spec;
}

telemetry::ShadowSample Sample(int i, telemetry::LegAnswer primary,
                               std::vector<telemetry::LegAnswer> copies) {
  telemetry::ShadowSample s;
  s.request_id = "r" + std::to_string(i);
  s.method = "/inference.GRPCInferenceService/ModelInfer";
  s.primary = std::move(primary);
  for (auto& c : copies) s.copies.push_back(std::move(c));
  return s;
}

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(Comparer, BytesModeCountsStatusLatencyAndEquality) {
  auto registry = std::make_shared<prometheus::Registry>();
  Comparer c(Spec(PayloadKind::kBytes, false), registry);
  for (int i = 0; i < 10; ++i) {
    // 6 identical answers, 2 different bytes, 2 shadow errors; the shadow is 2 ms slower.
    telemetry::LegAnswer p{0, 0, 0.010, absl::Cord("same")};
    telemetry::LegAnswer s{1, i < 8 ? 0 : 14, 0.012, absl::Cord(i < 6 ? "same" : "diff")};
    c.Offer(Sample(i, p, {s}));
  }
  EXPECT_EQ(c.Drain(absl::Now()), 10);
  const json r = c.Report();
  SCOPED_TRACE(r.dump(1));
  const json& s = r["shadows"][0];
  EXPECT_EQ(s["samples"], 10);
  EXPECT_EQ(s["status"]["agreement_rate"], 0.8);
  EXPECT_EQ(s["bytes"]["compared"], 8);
  EXPECT_EQ(s["bytes"]["equal"], 6);
  EXPECT_EQ(s["latency_delta_seconds"]["count"], 8);
  EXPECT_NEAR(s["latency_delta_seconds"]["p50"].get<double>(), 0.002, 1e-9);
  EXPECT_TRUE(s["outputs"].is_null());
  bool found = false;
  for (const json& cell : s["status"]["matrix"]) {
    if (cell["primary"] == "OK" && cell["shadow"] == "UNAVAILABLE") {
      EXPECT_EQ(cell["count"], 2);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  const std::string text = Scrape(*registry);
  EXPECT_NE(text.find(R"(modelgate_shadow_mismatch_total{kind="bytes",route="infer",shadow="candidate"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(modelgate_shadow_mismatch_total{kind="status",route="infer",shadow="candidate"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(modelgate_shadow_status_agreement_ratio{route="infer",shadow="candidate"} 0.8)"),
            std::string::npos)
      << text;
  // Diff samples: 4 seen (2 bytes, 2 status), 3 kept, newest first.
  const json d = c.Diffs();
  EXPECT_EQ(d["seen"], 4);
  EXPECT_EQ(d["kept"], 3);
  EXPECT_EQ(d["diffs"][0]["request_id"], "r9");
  EXPECT_EQ(d["diffs"][0]["kind"], "status");
  EXPECT_EQ(d["diffs"][0]["shadow_value"], "UNAVAILABLE");
}

TEST(Comparer, TensorsWithNoiseCancellation) {
  auto registry = std::make_shared<prometheus::Registry>();
  testutil::TempDir dir;
  ComparerSpec spec = Spec(PayloadKind::kInferenceV2, true);
  spec.diff_file = dir.path() + "/diffs.jsonl";
  Comparer c(spec, registry);
  for (int i = 0; i < 40; ++i) {
    // output0: the candidate is shifted by 0.5 (a real change); nonce: random in every model.
    telemetry::LegAnswer p{0, 0, 0.01, Response(1, 0.1f * i)};
    telemetry::LegAnswer s{1, 0, 0.01, Response(1.5, 0.1f * i + 7)};
    telemetry::LegAnswer n{2, 0, 0.01, Response(1, 0.1f * i + 3)};
    c.Offer(Sample(i, p, {s, n}));
  }
  EXPECT_EQ(c.Drain(absl::Now()), 40);
  const json r = c.Report();
  SCOPED_TRACE(r.dump(1));
  EXPECT_EQ(r["noise"]["samples"], 40);
  EXPECT_EQ(r["noise"]["bytes_equal_rate"], 0.0);
  const json& fields = r["shadows"][0]["outputs"]["fields"];
  const json* out = nullptr;
  const json* nonce = nullptr;
  for (const json& f : fields) {
    if (f["field"] == "output0") out = &f;
    if (f["field"] == "nonce") nonce = &f;
  }
  ASSERT_TRUE(out != nullptr && nonce != nullptr);
  EXPECT_EQ((*out)["raw_difference_rate"], 1.0);
  EXPECT_EQ((*out)["noise_difference_rate"], 0.0);
  EXPECT_EQ((*out)["noise_status"], "real");
  EXPECT_NEAR((*out)["abs_error"]["max"].get<double>(), 0.5, 1e-6);
  EXPECT_EQ((*nonce)["raw_difference_rate"], 1.0);
  EXPECT_EQ((*nonce)["noise_difference_rate"], 1.0);
  EXPECT_EQ((*nonce)["adjusted_difference_rate"], 0.0);
  EXPECT_EQ((*nonce)["noise_status"], "within_noise");
  const std::string text = Scrape(*registry);
  EXPECT_NE(text.find(R"(modelgate_shadow_tensor_difference_rate{basis="noise_adjusted",route="infer",shadow="candidate",tensor="output0"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(modelgate_shadow_tensor_difference_rate{basis="noise_adjusted",route="infer",shadow="candidate",tensor="nonce"} 0)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(modelgate_shadow_mismatch_total{kind="value_mismatch",route="infer",shadow="candidate"} 80)"),
            std::string::npos)
      << text;
  // Every differing tensor of every pair is in the file (2 per pair), one JSON object per line.
  std::ifstream in(spec.diff_file);
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    const json j = json::parse(line);
    EXPECT_EQ(j["route"], "infer");
  }
  EXPECT_EQ(lines, 80);
  const json d = c.Diffs();
  EXPECT_EQ(d["diffs"][0]["field"], "nonce");  // the last pair's second tensor
  EXPECT_EQ(d["diffs"][1]["field"], "output0");
  EXPECT_EQ(d["diffs"][1]["element"], 0);
}

absl::Cord Gzip(const absl::Cord& message) {
  return absl::Cord(testutil::Compress(std::string(message)));
}

// A backend may compress its answers (gzip/deflate, when the client accepts it): they are
// compared by what they carry, whichever side compressed; one that does not inflate is a
// decode error naming its side, never a comparison of compressed bytes.
TEST(Comparer, CompressedAnswersAreComparedByWhatTheyCarry) {
  auto registry = std::make_shared<prometheus::Registry>();
  Comparer c(Spec(PayloadKind::kInferenceV2, false), registry);
  // Same outputs, the primary's compressed: equal. Shifted outputs, the shadow's compressed:
  // the value mismatch is found.
  c.Offer(Sample(0, {0, 0, 0.01, Gzip(Response(1, 0)), true}, {{1, 0, 0.01, Response(1, 0)}}));
  c.Offer(Sample(1, {0, 0, 0.01, Response(1, 0)}, {{1, 0, 0.01, Gzip(Response(3, 0)), true}}));
  c.Offer(Sample(2, {0, 0, 0.01, Response(1, 0)}, {{1, 0, 0.01, absl::Cord("junk"), true}}));
  EXPECT_EQ(c.Drain(absl::Now()), 3);
  const json r = c.Report();
  SCOPED_TRACE(r.dump(1));
  const json& shadow = r["shadows"][0];
  EXPECT_EQ(shadow["bytes"]["compared"], 3);
  EXPECT_EQ(shadow["bytes"]["equal"], 1);  // the first pair, once inflated
  const std::string text = Scrape(*registry);
  EXPECT_NE(text.find(R"(modelgate_shadow_mismatch_total{kind="value_mismatch",route="infer",shadow="candidate"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(modelgate_shadow_mismatch_total{kind="decode_error",route="infer",shadow="candidate"} 1)"),
            std::string::npos)
      << text;
  const json d = c.Diffs();
  EXPECT_EQ(d["diffs"][0]["kind"], "decode_error");
  EXPECT_NE(d["diffs"][0]["shadow_value"].get<std::string>().find("shadow response: compressed "
                                                                  "message is not valid gzip"),
            std::string::npos);
  EXPECT_EQ(d["diffs"][1]["field"], "output0");
}

TEST(Comparer, AFullQueueDropsAndCountsAndTheFileStopsAtItsCap) {
  auto registry = std::make_shared<prometheus::Registry>();
  testutil::TempDir dir;
  ComparerSpec spec = Spec(PayloadKind::kBytes, false);
  spec.queue_size = 4;
  spec.diff_file = dir.path() + "/d.jsonl";
  spec.diff_file_max_bytes = 4096;
  Comparer c(spec, registry);
  for (int i = 0; i < 10; ++i) {
    c.Offer(Sample(i, {0, 0, 0.01, absl::Cord("a")}, {{1, 0, 0.01, absl::Cord("b")}}));
  }
  EXPECT_EQ(c.Drain(absl::Now()), 4);
  EXPECT_EQ(c.Report()["dropped"], 6);
  EXPECT_NE(Scrape(*registry).find(
                R"(modelgate_shadow_dropped_total{reason="compare_queue_full",route="infer",shadow="candidate"} 6)"),
            std::string::npos);
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 4; ++i) {
      c.Offer(Sample(i, {0, 0, 0.01, absl::Cord("a")}, {{1, 0, 0.01, absl::Cord("b")}}));
    }
    c.Drain(absl::Now());
  }
  const json d = c.Diffs();
  EXPECT_LE(d["file"]["bytes"].get<int64_t>(), 4096);
  EXPECT_GT(d["file"]["dropped"].get<int64_t>(), 0);
  std::ifstream in(spec.diff_file, std::ios::ate);
  EXPECT_EQ(static_cast<int64_t>(in.tellg()), d["file"]["bytes"].get<int64_t>());
}

}  // namespace
}  // namespace modelgate::shadow
