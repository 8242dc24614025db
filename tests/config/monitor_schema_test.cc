// The routes[i].monitor block: defaults, every value read, and its errors with positions.
#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

using ::testing::ElementsAre;

constexpr char kHead[] =
    "listen: 127.0.0.1:8500\n"                          // 1
    "admin: {listen: 127.0.0.1:9901}\n"                 // 2
    "backends:\n"                                       // 3
    "  - {name: legacy, address: 127.0.0.1:9001}\n"     // 4
    "  - {name: candidate, address: 127.0.0.1:9002}\n"  // 5
    "routes:\n"                                         // 6
    "  - name: predict\n"                               // 7
    "    strategy: ab\n"                                // 8
    "    ab:\n"                                         // 9
    "      arms: [{backend: legacy, weight: 1}, {backend: candidate, weight: 1}]\n";  // 10

LoadResult Parse(const std::string& monitor) {
  return ParseConfig("/etc/mg/c.yaml", std::string(kHead) + monitor);
}

TEST(MonitorConfig, AbsentBlockMeansNoMonitoring) {
  LoadResult r = Parse("");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.config.routes[0].monitor.enabled);
}

TEST(MonitorConfig, EmptyBlockEnablesDefaultsWithFirstArmAsReference) {
  LoadResult r = Parse("    monitor: {}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const MonitorConfig& m = r.config.routes[0].monitor;
  EXPECT_TRUE(m.enabled);
  EXPECT_EQ(m.reference_arm, "legacy");
  EXPECT_EQ(m.alpha, 0.05);
  EXPECT_EQ(m.srm_threshold, 0.0005);
  EXPECT_EQ(m.correction, "holm");
  EXPECT_TRUE(m.payload.empty());
}

TEST(MonitorConfig, ReadsEverySetting) {
  LoadResult r = Parse(
      "    monitor:\n"
      "      reference_arm: candidate\n"
      "      alpha: 0.01\n"
      "      srm_threshold: 0.001\n"
      "      min_samples: 500\n"
      "      sequential_tau: 0.2\n"
      "      latency_tolerance: 0.05\n"
      "      error_rate_tolerance: 0.002\n"
      "      correction: bh\n"
      "      interval_seconds: 2.5\n"
      "      payload: inference_v2\n"
      "      output_tensor: scores\n"
      "      input_tensors: [age, income]\n"
      "      sample_rate: 0.25\n"
      "      queue_size: 64\n"
      "      drift: {bins: 20, reference_samples: 5000, reference_file: ref/scores.txt,\n"
      "              window_seconds: 60, min_samples: 200}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const MonitorConfig& m = r.config.routes[0].monitor;
  EXPECT_EQ(m.reference_arm, "candidate");
  EXPECT_EQ(m.alpha, 0.01);
  EXPECT_EQ(m.srm_threshold, 0.001);
  EXPECT_EQ(m.min_samples, 500);
  EXPECT_EQ(m.sequential_tau, 0.2);
  EXPECT_EQ(m.latency_tolerance, 0.05);
  EXPECT_EQ(m.error_rate_tolerance, 0.002);
  EXPECT_EQ(m.correction, "bh");
  EXPECT_EQ(m.interval_seconds, 2.5);
  EXPECT_EQ(m.payload, "inference_v2");
  EXPECT_EQ(m.output_tensor, "scores");
  EXPECT_THAT(m.input_tensors, ElementsAre("age", "income"));
  EXPECT_EQ(m.sample_rate, 0.25);
  EXPECT_EQ(m.queue_size, 64);
  EXPECT_EQ(m.drift.bins, 20);
  EXPECT_EQ(m.drift.reference_samples, 5000);
  // Relative to the config file's directory.
  EXPECT_EQ(m.drift.reference_file, "/etc/mg/ref/scores.txt");
  EXPECT_EQ(m.drift.window_seconds, 60);
  EXPECT_EQ(m.drift.min_samples, 200);
}

TEST(MonitorConfig, RejectsBadValuesWithPositions) {
  EXPECT_THAT(
      Parse("    monitor:\n"                     // 11
            "      reference_arm: ghost\n"       // 12
            "      alpha: 1.5\n"                 // 13
            "      correction: bonferoni\n"      // 14
            "      sample_rate: 0\n"             // 15
            "      payload: tf_serving\n"        // 16
            "      sequentail_tau: 1\n")         // 17
          .errors,
      ElementsAre(
          "/etc/mg/c.yaml:12:22: routes[0].monitor.reference_arm: no arm named \"ghost\" in this "
          "route (arms: legacy, candidate)",
          "/etc/mg/c.yaml:13:14: routes[0].monitor.alpha: must be between 0 and 1, exclusive (got "
          "1.5)",
          "/etc/mg/c.yaml:14:19: routes[0].monitor.correction: must be one of holm, bh, none (got "
          "\"bonferoni\")",
          "/etc/mg/c.yaml:15:20: routes[0].monitor.sample_rate: must be in (0, 1] (got 0)",
          "/etc/mg/c.yaml:16:16: routes[0].monitor.payload: must be one of inference_v2 (got "
          "\"tf_serving\")",
          "/etc/mg/c.yaml:17:7: routes[0].monitor.sequentail_tau: unknown key \"sequentail_tau\" "
          "(did you mean \"sequential_tau\"?)"));
}

TEST(MonitorConfig, PayloadSettingsWithoutPayloadAreErrors) {
  EXPECT_THAT(Parse("    monitor:\n"
                    "      output_tensor: scores\n")
                  .errors,
              ElementsAre("/etc/mg/c.yaml:12:7: routes[0].monitor.output_tensor: needs "
                          "monitor.payload (e.g. payload: inference_v2)"));
}

TEST(MonitorConfig, NotAllowedOnRoutesWithNothingToCompare) {
  LoadResult r = ParseConfig(
      "c.yaml",
      "listen: 127.0.0.1:8500\n"
      "admin: {listen: 127.0.0.1:9901}\n"
      "backends: [{name: legacy, address: 127.0.0.1:9001}]\n"
      "routes:\n"
      "  - name: r\n"
      "    strategy: forward\n"
      "    forward: {backend: legacy}\n"
      "    monitor: {}\n");
  EXPECT_THAT(r.errors, ElementsAre("c.yaml:8:5: routes[0].monitor: not allowed on routes with "
                                    "strategy \"forward\" (a monitor compares arms)"));
}

}  // namespace
}  // namespace modelgate::config

namespace modelgate::config {
namespace {

TEST(MonitorConfig, ErrorCodesDefaultToServerFaults) {
  LoadResult r = Parse("    monitor: {}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  // UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE,
  // DATA_LOSS; never CANCELLED or application answers such as NOT_FOUND.
  EXPECT_THAT(r.config.routes[0].monitor.error_codes, ElementsAre(2, 4, 8, 12, 13, 14, 15));
}

TEST(MonitorConfig, ReadsErrorCodesByNameSortedWithoutDuplicates) {
  LoadResult r = Parse("    monitor: {error_codes: [unavailable, INTERNAL, NOT_FOUND, INTERNAL]}\n");
  ASSERT_TRUE(r.ok()) << r.errors[0];
  EXPECT_THAT(r.config.routes[0].monitor.error_codes, ElementsAre(5, 13, 14));
}

TEST(MonitorConfig, RejectsUnknownOkAndEmptyErrorCodes) {
  EXPECT_THAT(Parse("    monitor: {error_codes: [UNAVALABLE, OK]}\n").errors,
              ElementsAre("/etc/mg/c.yaml:11:29: routes[0].monitor.error_codes[0]: unknown gRPC "
                          "status code \"UNAVALABLE\"; did you mean \"UNAVAILABLE\"?",
                          "/etc/mg/c.yaml:11:41: routes[0].monitor.error_codes[1]: OK is a "
                          "success, not an error code"));
  EXPECT_THAT(Parse("    monitor: {error_codes: []}\n").errors,
              ElementsAre("/etc/mg/c.yaml:11:28: routes[0].monitor.error_codes: must list at "
                          "least one code (e.g. [UNAVAILABLE, INTERNAL])"));
}

}  // namespace
}  // namespace modelgate::config
