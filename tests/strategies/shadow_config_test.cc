// The shadow block: every setting read, defaults, the arms it makes, the comparer spec, and
// every mistake reported at its file:line:column.
#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strategies/route_config.h"
#include "strategies/shadow.h"

namespace modelgate::strategies {
namespace {

using ::testing::ElementsAre;

// The test's block after the shared head (route_config.h); line numbers in the errors below
// count from there.
config::LoadResult Parse(const std::string& shadow) {
  return config_testing::ParseRoute({"legacy", "candidate", "legacy-b"}, "predict", "shadow", shadow);
}

TEST(ShadowConfig, ReadsEverySetting) {
  config::LoadResult r = Parse(
      "    shadow:\n"
      "      primary: legacy\n"
      "      shadows: [candidate]\n"
      "      noise_reference: legacy-b\n"
      "      sample_rate: 0.5\n"
      "      sticky_header: x-user-id\n"
      "      salt: s1\n"
      "      max_inflight: 7\n"
      "      timeout_seconds: 2.5\n"
      "      methods: [\"/inference.GRPCInferenceService/ModelInfer\"]\n"
      "      compare:\n"
      "        payload: inference_v2\n"
      "        absolute_tolerance: 0.001\n"
      "        relative_tolerance: 0.01\n"
      "        argmax_outputs: [probs]\n"
      "        ignore_outputs: [debug]\n"
      "        queue_size: 64\n"
      "        noise: {absolute_threshold: 0.05, relative_threshold: 0.5, min_samples: 10}\n"
      "      diffs: {max_samples: 5, file: diffs.jsonl, file_max_bytes: 1MiB}\n"
      "    monitor: {latency_tolerance: 0.4}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const config::Route& route = r.config.routes[0];
  const ShadowBlock& b = route.block_as<ShadowBlock>();
  EXPECT_EQ(b.primary, "legacy");
  EXPECT_THAT(b.shadows, ElementsAre("candidate"));
  EXPECT_EQ(b.noise_reference, "legacy-b");
  EXPECT_EQ(b.sample_rate, 0.5);
  EXPECT_EQ(b.sticky, "x-user-id");
  EXPECT_EQ(b.salt, "s1");
  EXPECT_EQ(b.max_inflight, 7);
  EXPECT_EQ(b.timeout_seconds, 2.5);
  EXPECT_THAT(b.methods, ElementsAre("/inference.GRPCInferenceService/ModelInfer"));
  EXPECT_EQ(b.compare.payload, shadow::PayloadKind::kInferenceV2);
  EXPECT_EQ(b.compare.absolute_tolerance, 0.001);
  EXPECT_EQ(b.compare.relative_tolerance, 0.01);
  EXPECT_THAT(b.compare.argmax_outputs, ElementsAre("probs"));
  EXPECT_THAT(b.compare.ignore_outputs, ElementsAre("debug"));
  EXPECT_EQ(b.compare.queue_size, 64);
  EXPECT_EQ(b.compare.noise_absolute_threshold, 0.05);
  EXPECT_EQ(b.compare.noise_relative_threshold, 0.5);
  EXPECT_EQ(b.compare.noise_min_samples, 10);
  EXPECT_EQ(b.compare.max_diff_samples, 5);
  EXPECT_EQ(b.compare.diff_file, "diffs.jsonl");
  EXPECT_EQ(b.compare.diff_file_max_bytes, 1 << 20);
  // Arms: primary (reference), the shadow, then the noise reference; nothing is split.
  ASSERT_EQ(route.arms.size(), 3u);
  EXPECT_EQ(route.arms[0].backend, "legacy");
  EXPECT_EQ(route.arms[0].role, ArmRole::kReference);
  EXPECT_EQ(route.arms[1].backend, "candidate");
  EXPECT_EQ(route.arms[1].role, ArmRole::kShadow);
  EXPECT_EQ(route.arms[2].backend, "legacy-b");
  EXPECT_EQ(route.arms[2].role, ArmRole::kShadow);
  for (const config::RouteArm& a : route.arms) EXPECT_EQ(a.weight, 0);
  EXPECT_TRUE(route.monitor.enabled);
  EXPECT_EQ(route.monitor.latency_tolerance, 0.4);

  const shadow::ComparerSpec spec = ShadowComparerSpec(route);
  EXPECT_EQ(spec.route, "predict");
  EXPECT_THAT(spec.arm_names, ElementsAre("legacy", "candidate", "legacy-b"));
  EXPECT_EQ(spec.primary, 0);
  EXPECT_THAT(spec.shadows, ElementsAre(1));
  EXPECT_EQ(spec.noise_reference, 2);
}

TEST(ShadowConfig, Defaults) {
  config::LoadResult r = Parse("    shadow: {primary: legacy, shadows: [candidate]}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const config::Route& route = r.config.routes[0];
  const ShadowBlock& b = route.block_as<ShadowBlock>();
  EXPECT_EQ(b.sample_rate, 1);
  EXPECT_EQ(b.max_inflight, 100);
  EXPECT_EQ(b.timeout_seconds, 5);
  EXPECT_TRUE(b.methods.empty());
  EXPECT_TRUE(b.noise_reference.empty());
  EXPECT_EQ(b.compare.payload, shadow::PayloadKind::kBytes);
  EXPECT_EQ(b.compare.queue_size, 1024);
  EXPECT_EQ(b.compare.max_diff_samples, 100);
  EXPECT_FALSE(route.monitor.enabled);  // a monitor only with a monitor block
  const shadow::ComparerSpec spec = ShadowComparerSpec(route);
  EXPECT_EQ(spec.noise_reference, -1);
  EXPECT_THAT(spec.shadows, ElementsAre(1));
}

TEST(ShadowConfig, RejectsMistakesAtTheirPositions) {
  config::LoadResult r = Parse(
      "    shadow:\n"                                          // 11
      "      primary: legacy\n"                                // 12
      "      shadows: [legacy, candidate, candidate, nope]\n"  // 13
      "      noise_reference: candidate\n"                     // 14
      "      sample_rate: 0\n"                                 // 15
      "      max_inflight: 0\n"                                // 16
      "      timeout_seconds: 0\n"                             // 17
      "      methods: [\"nope\"]\n"                            // 18
      "      compare: {payload: json, argmax_outputs: [p]}\n"  // 19
      "      diffs: {file: \"\", max_samples: -1}\n"           // 20
      "      extra: 1\n");                                     // 21
  EXPECT_THAT(
      r.errors,
      ElementsAre(
          "c.yaml:13:17: routes[0].shadow.shadows[0]: must differ from the primary (both are "
          "\"legacy\")",
          "c.yaml:13:36: routes[0].shadow.shadows[2]: \"candidate\" is listed twice",
          "c.yaml:13:47: routes[0].shadow.shadows[3]: undefined backend \"nope\" (defined: "
          "legacy, candidate, legacy-b)",
          "c.yaml:14:24: routes[0].shadow.noise_reference: must be another instance of the "
          "primary's model, not the primary or a shadow (got \"candidate\")",
          "c.yaml:15:20: routes[0].shadow.sample_rate: must be in (0, 1] (got 0)",
          "c.yaml:16:21: routes[0].shadow.max_inflight: must be >= 1 (got 0)",
          "c.yaml:17:24: routes[0].shadow.timeout_seconds: must be in (0, 3600] (got 0)",
          "c.yaml:18:17: routes[0].shadow.methods[0]: must look like /pkg.Service/Method or "
          "/pkg.Service/* (got \"nope\")",
          "c.yaml:19:26: routes[0].shadow.compare.payload: must be one of bytes, inference_v2 "
          "(got \"json\")",
          "c.yaml:19:32: routes[0].shadow.compare.argmax_outputs: only used with payload: "
          "inference_v2",
          "c.yaml:20:21: routes[0].shadow.diffs.file: must not be empty (leave the key out for "
          "none)",
          "c.yaml:20:38: routes[0].shadow.diffs.max_samples: must be >= 0 (got -1)",
          "c.yaml:21:7: routes[0].shadow.extra: unknown key \"extra\" (expected one of: primary, "
          "shadows, noise_reference, sample_rate, sticky_header, salt, max_inflight, "
          "timeout_seconds, methods, compare, diffs)"));
}

TEST(ShadowConfig, NeedsAtLeastOneShadowAndAUnaryMethod) {
  EXPECT_THAT(Parse("    shadow: {primary: legacy, shadows: []}\n").errors,
              ElementsAre("c.yaml:11:40: routes[0].shadow.shadows: must list at least one "
                          "backend"));
  config::LoadResult r = config::ParseConfig(
      "c.yaml",
      "listen: 127.0.0.1:8500\n"
      "admin: {listen: 127.0.0.1:9901}\n"
      "backends: [{name: a, address: 127.0.0.1:9001}, {name: b, address: 127.0.0.1:9002}]\n"
      "routes:\n"
      "  - name: stream\n"
      "    match: {service: inference.GRPCInferenceService, method: ModelStreamInfer}\n"
      "    strategy: shadow\n"
      "    shadow: {primary: a, shadows: [b]}\n");
  EXPECT_THAT(r.errors,
              ElementsAre("c.yaml:5:5: routes[0].shadow: needs whole messages, so it works on "
                          "unary methods only, and "
                          "/inference.GRPCInferenceService/ModelStreamInfer is not known to be "
                          "unary (declare it in proxy.unary_methods or proxy.descriptor_sets if "
                          "it is)"));
}

}  // namespace
}  // namespace modelgate::strategies
