// GET /api/v1/config's rendering of a parsed config: every section, defaults resolved, and
// the admin token file as a path only.
#include "admin/config_json.h"

#include <string>

#include "config/loader.h"
#include "gtest/gtest.h"

namespace modelgate::admin {
namespace {

using nlohmann::json;

constexpr char kConfig[] = R"(listen: 0.0.0.0:8500
admin: {listen: 127.0.0.1:9901, token_file: secrets/token}
proxy:
  threads: 2
  max_message_bytes: 4MiB
  drain_seconds: 2.5
  max_inflight_calls: 500
  unary_methods: [/bench.Model/Predict]
backends:
  - {name: legacy, address: 127.0.0.1:9001}
  - {name: candidate, address: "cand.ns.svc:9000", authority: cand.example.com}
routes:
  - name: predict
    match: {service: bench.Model, method: Predict, headers: {x-tenant: acme}}
    strategy: ab
    ab:
      arms:
        - {backend: legacy, weight: 90, name: control}
        - {backend: candidate, weight: 10}
      sticky_header: x-user-id
    arm_header: true
    timeout_seconds: 1.5
    monitor:
      alpha: 0.01
      srm_threshold: 0.001
      min_samples: 500
      sequential_tau: 0.2
      latency_tolerance: 0.05
      error_rate_tolerance: 0.002
      correction: bh
      interval_seconds: 2.5
      payload: inference_v2
      output_tensor: scores
      input_tensors: [age]
      sample_rate: 0.25
      queue_size: 64
      drift: {bins: 20, reference_samples: 5000, reference_file: ref.txt, window_seconds: 60,
              min_samples: 200}
  - name: rest
    strategy: forward
    forward: {backend: legacy}
)";

class EffectiveConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    config::LoadResult loaded = config::ParseConfig("/etc/mg/config.yaml", kConfig);
    ASSERT_TRUE(loaded.ok()) << loaded.errors[0];
    config_ = loaded.config;
    j_ = EffectiveConfigJson(config_, 7);
  }
  config::Config config_;
  json j_;
};

TEST_F(EffectiveConfig, IdentifiesTheLoadedConfig) {
  EXPECT_EQ(j_["generation"], 7);
  EXPECT_EQ(j_["hash"], config_.hash);
  EXPECT_EQ(j_["path"], "/etc/mg/config.yaml");
  EXPECT_EQ(j_["listen"], "0.0.0.0:8500");
  EXPECT_EQ(j_["admin"], json({{"listen", "127.0.0.1:9901"},
                               {"token_file", "/etc/mg/secrets/token"}}));
}

TEST_F(EffectiveConfig, ShowsProxySettingsAndBackends) {
  EXPECT_EQ(j_["proxy"]["threads"], 2);
  EXPECT_EQ(j_["proxy"]["max_message_bytes"], 4 << 20);
  EXPECT_EQ(j_["proxy"]["drain_seconds"], 2.5);
  EXPECT_EQ(j_["proxy"]["max_inflight_calls"], 500);
  EXPECT_EQ(j_["proxy"]["unary_methods"], json({"/bench.Model/Predict"}));
  EXPECT_EQ(j_["backends"][1], json({{"name", "candidate"},
                                     {"address", "cand.ns.svc:9000"},
                                     {"authority", "cand.example.com"}}));
}

TEST_F(EffectiveConfig, ShowsRoutesWithArmsAddressesWeightsAndResolvedDefaults) {
  const json& r = j_["routes"][0];
  EXPECT_EQ(r["name"], "predict");
  EXPECT_EQ(r["match"], json({{"service", "bench.Model"},
                              {"method", "Predict"},
                              {"headers", {{"x-tenant", "acme"}}}}));
  EXPECT_EQ(r["strategy"], "ab");
  EXPECT_EQ(r["arms"], json::parse(R"([
    {"name": "control", "backend": "legacy", "address": "127.0.0.1:9001", "weight": 90,
     "role": "reference"},
    {"name": "candidate", "backend": "candidate", "address": "cand.ns.svc:9000",
     "weight": 10, "role": "candidate"}])"));
  EXPECT_EQ(r["sticky_header"], "x-user-id");
  EXPECT_EQ(r["salt"], "modelgate");  // the default, as used for bucketing
  EXPECT_EQ(r["arm_header"], true);
  EXPECT_EQ(r["timeout_seconds"], 1.5);
  const json& rest = j_["routes"][1];
  EXPECT_EQ(rest["strategy"], "forward");
  EXPECT_EQ(rest["arms"], json::parse(R"([
    {"name": "legacy", "backend": "legacy", "address": "127.0.0.1:9001", "weight": 1,
     "role": "reference"}])"));
  EXPECT_EQ(rest["backend"], "legacy");
  EXPECT_TRUE(rest["monitor"].is_null());
}

TEST_F(EffectiveConfig, ShowsEveryMonitorSetting) {
  EXPECT_EQ(j_["routes"][0]["monitor"], json::parse(R"({
    "reference_arm": "control", "alpha": 0.01, "srm_threshold": 0.001, "min_samples": 500,
    "sequential_tau": 0.2, "latency_tolerance": 0.05, "error_rate_tolerance": 0.002,
    "correction": "bh", "interval_seconds": 2.5, "payload": "inference_v2",
    "output_tensor": "scores", "input_tensors": ["age"], "sample_rate": 0.25, "queue_size": 64,
    "drift": {"bins": 20, "reference_samples": 5000, "reference_file": "/etc/mg/ref.txt",
              "window_seconds": 60.0, "min_samples": 200},
    "error_codes": ["UNKNOWN", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "UNIMPLEMENTED",
                    "INTERNAL", "UNAVAILABLE", "DATA_LOSS"],
    "sticky_assignment": true})"));
}

}  // namespace
}  // namespace modelgate::admin
