// The canary block: every setting read, defaults, and every mistake reported at its
// file:line:column, including fallback on a method not known to be unary.
#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strategies/route_config.h"
#include "strategies/canary.h"

namespace modelgate::strategies {
namespace {

using ::testing::ElementsAre;

// The test's block after the shared head (route_config.h); line numbers in the errors below
// count from there.
config::LoadResult Parse(const std::string& canary) {
  return config_testing::ParseRoute({"legacy", "candidate"}, "predict", "canary", canary);
}

TEST(CanaryConfig, ReadsEverySetting) {
  config::LoadResult r = Parse(
      "    canary:\n"
      "      legacy: legacy\n"
      "      candidate: candidate\n"
      "      sticky_header: x-user-id\n"
      "      salt: predict-canary-1\n"
      "      steps: [0.5, 5, 25, 50, 100]\n"
      "      step_seconds: 30\n"
      "      min_requests_per_step: 200\n"
      "      max_failed_checks: 2\n"
      "      on_candidate_error: fallback_to_legacy\n"
      "      fallback_codes: [UNAVAILABLE, INTERNAL]\n"
      "      gates: {max_error_rate: 0.01, max_latency_p99_seconds: 0.25, "
      "rollback_error_rate: 0.5}\n"
      "      webhook: {url: \"http://127.0.0.1:1/hook\", timeout_seconds: 3}\n"
      "    monitor: {latency_tolerance: 0.2, error_rate_tolerance: 0.005}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const config::Route& route = r.config.routes[0];
  const CanaryBlock& c = route.block_as<CanaryBlock>();
  EXPECT_EQ(c.legacy, "legacy");
  EXPECT_EQ(c.candidate, "candidate");
  EXPECT_EQ(c.sticky, "x-user-id");
  EXPECT_EQ(c.salt, "predict-canary-1");
  EXPECT_THAT(c.steps, ElementsAre(50, 500, 2500, 5000, 10000));  // basis points
  EXPECT_EQ(c.step_seconds, 30);
  EXPECT_EQ(c.min_requests_per_step, 200);
  EXPECT_EQ(c.max_failed_checks, 2);
  EXPECT_TRUE(c.fallback);
  EXPECT_THAT(c.fallback_codes, ElementsAre(13, 14));
  EXPECT_EQ(c.gates.max_error_rate, 0.01);
  EXPECT_EQ(c.gates.max_latency_p99_seconds, 0.25);
  EXPECT_EQ(c.gates.rollback_error_rate, 0.5);
  EXPECT_EQ(c.webhook.url, "http://127.0.0.1:1/hook");
  EXPECT_EQ(c.webhook.timeout_seconds, 3);
  // Arms: the legacy is the reference; the candidate starts at the first step.
  ASSERT_EQ(route.arms.size(), 2u);
  EXPECT_EQ(route.arms[0].role, ArmRole::kReference);
  EXPECT_EQ(route.arms[0].weight, 9950);
  EXPECT_EQ(route.arms[1].role, ArmRole::kCandidate);
  EXPECT_EQ(route.arms[1].weight, 50);
  EXPECT_TRUE(route.monitor.enabled);
  EXPECT_EQ(route.monitor.reference_arm, "legacy");
  EXPECT_EQ(route.monitor.latency_tolerance, 0.2);
}

TEST(CanaryConfig, DefaultsAndAMonitorEvenWithoutAMonitorBlock) {
  config::LoadResult r =
      Parse("    canary: {legacy: legacy, candidate: candidate, steps: [10, 100]}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const config::Route& route = r.config.routes[0];
  const CanaryBlock& c = route.block_as<CanaryBlock>();
  EXPECT_EQ(c.step_seconds, 60);
  EXPECT_EQ(c.min_requests_per_step, 500);
  EXPECT_EQ(c.max_failed_checks, 3);
  EXPECT_FALSE(c.fallback);
  EXPECT_THAT(c.fallback_codes, ElementsAre(2, 4, 8, 13, 14));
  EXPECT_LT(c.gates.max_error_rate, 0);  // not set
  EXPECT_TRUE(c.webhook.url.empty());
  EXPECT_TRUE(route.monitor.enabled);  // the controller reads it
  EXPECT_FALSE(route.monitor.sticky_assignment);
}

TEST(CanaryConfig, RejectsBadStepsAtTheirPositions) {
  EXPECT_THAT(
      Parse("    canary:\n"                                   // 10
            "      legacy: legacy\n"                          // 11
            "      candidate: candidate\n"                    // 12
            "      steps: [1, 50, 25, 0, 100, 120]\n").errors,  // 13
      ElementsAre("c.yaml:13:22: routes[0].canary.steps[2]: must be increasing (got 25 after 50)",
                  "c.yaml:13:26: routes[0].canary.steps[3]: must be a percentage in (0, 100], at "
                  "least 0.01 (got 0)",
                  "c.yaml:13:34: routes[0].canary.steps[5]: must be a percentage in (0, 100], at "
                  "least 0.01 (got 120)"));
  EXPECT_THAT(Parse("    canary: {legacy: legacy, candidate: candidate, steps: [1, 50]}\n").errors,
              ElementsAre("c.yaml:10:63: routes[0].canary.steps[1]: the last step must be 100 "
                          "(promotion; got 50)"));
}

TEST(CanaryConfig, RejectsTheSameBackendTwiceUnknownOnesAndBadChoices) {
  EXPECT_THAT(
      Parse("    canary:\n"                                  // 10
            "      legacy: legacy\n"                         // 11
            "      candidate: legacy\n"                      // 12
            "      steps: [100]\n"                           // 13
            "      on_candidate_error: retry\n"              // 14
            "      fallback_codes: [UNAVALABLE]\n"           // 15
            "      gates: {max_error_rate: 2}\n"             // 16
            "      webhook: {url: \"https://x\"}\n").errors,  // 17
      ElementsAre(
          "c.yaml:12:18: routes[0].canary.candidate: must differ from legacy (both are \"legacy\")",
          "c.yaml:14:27: routes[0].canary.on_candidate_error: must be one of fail, "
          "fallback_to_legacy (got \"retry\")",
          "c.yaml:15:7: routes[0].canary.fallback_codes: only used with on_candidate_error: "
          "fallback_to_legacy",
          "c.yaml:15:24: routes[0].canary.fallback_codes[0]: unknown gRPC status code "
          "\"UNAVALABLE\"; did you mean \"UNAVAILABLE\"?",
          "c.yaml:16:31: routes[0].canary.gates.max_error_rate: must be at most 1 (got 2)",
          "c.yaml:17:22: routes[0].canary.webhook.url: must be an http:// URL (https is not "
          "supported; got \"https://x\")"));
  EXPECT_THAT(Parse("    canary: {legacy: legcy, candidate: candidate, steps: [100]}\n").errors,
              ElementsAre("c.yaml:10:22: routes[0].canary.legacy: undefined backend \"legcy\" "
                          "(did you mean \"legacy\"?)"));
}

TEST(CanaryConfig, FallbackNeedsAUnaryMethod) {
  config::LoadResult r = config::ParseConfig(
      "c.yaml",
      "listen: 127.0.0.1:8500\n"
      "admin: {listen: 127.0.0.1:9901}\n"
      "backends: [{name: a, address: 127.0.0.1:9001}, {name: b, address: 127.0.0.1:9002}]\n"
      "routes:\n"
      "  - name: stream\n"
      "    match: {service: inference.GRPCInferenceService, method: ModelStreamInfer}\n"
      "    strategy: canary\n"
      "    canary: {legacy: a, candidate: b, steps: [100], on_candidate_error: "
      "fallback_to_legacy}\n");
  EXPECT_THAT(r.errors,
              ElementsAre("c.yaml:5:5: routes[0].canary.on_candidate_error: needs whole "
                          "messages, so it works on unary methods only, and "
                          "/inference.GRPCInferenceService/ModelStreamInfer is not known to be "
                          "unary (declare it in proxy.unary_methods or proxy.descriptor_sets if "
                          "it is)"));
}

}  // namespace
}  // namespace modelgate::strategies
