// Memory across reloads, through a real process under load: 200 reloads alternating two
// experiments, each reload removing a route and an arm and adding new ones, must leave the
// exported series and the resident set flat. Before series were leased, every removed route's
// and arm's series stayed in /metrics forever (~48 more exposition lines and ~7 KiB per reload
// of this config, measured with the old binary: 48,179 lines and 39 MB after 1,000 reloads).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness.h"

namespace modelgate {
namespace {

// Reload `i`: experiment i % 2 of a monitored A/B route (the salt differs, so every reload
// starts a new experiment), with a candidate arm and a route named after the reload, which the
// next reload removes.
std::string Experiment(const std::string& legacy, const std::string& candidate, int i) {
  return testutil::LoopbackConfig({{"legacy", legacy}, {"candidate", candidate}},
                                  absl::StrCat(R"(
routes:
  - name: infer
    match: {service: inference.GRPCInferenceService, method: ModelInfer}
    strategy: ab
    ab:
      arms: [{backend: legacy, weight: 1}, {backend: candidate, weight: 1, name: cand-)",
                                               i, R"(}]
      sticky_header: x-user-id
      salt: experiment-)",
                                               i % 2, R"(
    monitor:
      payload: inference_v2
      drift: {reference_samples: 100, min_samples: 50}
  - name: only-in-)",
                                               i, R"(
    match: {service: modelgate.testing.Echo}
    strategy: forward
    forward: {backend: legacy}
  - name: rest
    strategy: forward
    forward: {backend: legacy}
)"));
}

size_t Lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

int64_t RssKiB(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kib = 0;
      std::string digits;
      for (char c : line)
        if (c >= '0' && c <= '9') digits += c;
      if (absl::SimpleAtoi(digits, &kib)) return kib;
    }
  }
  return -1;
}

TEST(ReloadMemory, TwoHundredReloadsUnderLoadLeaveMemoryFlatAndNoStaleSeries) {
  testutil::TempDir dir;
  auto legacy = testutil::StartFakeModel("legacy");
  auto candidate = testutil::StartFakeModel("candidate");
  ASSERT_TRUE(legacy.ok() && candidate.ok());
  const std::string path =
      dir.Write("config.yaml", Experiment(legacy->address, candidate->address, 0));
  auto mg = testutil::Modelgate::Start(path);
  ASSERT_TRUE(mg.ok()) << mg.status();
  auto load = testutil::ChildProcess::Spawn(
      {testutil::BinaryPath("modelgate-load"), "--target", (*mg)->grpc_address(),
       "--concurrency=4", "--duration=600", "--sticky_header=x-user-id", "--keys=1000"});
  ASSERT_TRUE(load.ok()) << load.status();

  constexpr int kReloads = 200;
  constexpr int kWarmup = 100;  // the allocator's high-water mark settles within ~100 reloads
  int64_t rss_after_warmup = -1;
  size_t lines_early = 0;
  for (int i = 1; i <= kReloads; ++i) {
    dir.Write("config.yaml", Experiment(legacy->address, candidate->address, i));
    ASSERT_TRUE((*mg)->process().Signal(SIGHUP));
    // Applied once the new route has served a call (the load sends Echo calls too) or, at
    // least, is in the config; the file watcher may apply it before the signal does.
    ASSERT_TRUE(testutil::PollUntil(
        [&] {
          return (*mg)->Get("/api/v1/config").body.find(absl::StrCat("only-in-", i, "\"")) !=
                 std::string::npos;
        },
        std::chrono::seconds(20)))
        << "reload " << i << " was not applied";
    if (i == 10) lines_early = Lines((*mg)->Get("/metrics").body);
    if (i == kWarmup) rss_after_warmup = RssKiB((*mg)->process().pid());
  }
  const int64_t rss_end = RssKiB((*mg)->process().pid());
  load->Signal(SIGTERM);
  load->WaitExit(std::chrono::seconds(10));
  ASSERT_GT(rss_after_warmup, 0);
  std::printf("RSS after %d reloads: %lld KiB; after %d: %lld KiB (%+lld KiB)\n", kWarmup,
              static_cast<long long>(rss_after_warmup), kReloads,
              static_cast<long long>(rss_end), static_cast<long long>(rss_end - rss_after_warmup));
  EXPECT_LT(rss_end - rss_after_warmup, 3 * 1024);

  // Every removed route and arm leaves /metrics once the old snapshots' calls have ended: the
  // exposition is as long after 200 reloads as after 10 (it grew by ~48 lines per reload).
  std::string final_metrics;
  EXPECT_TRUE(testutil::PollUntil(
      [&] {
        final_metrics = (*mg)->Get("/metrics").body;
        return final_metrics.find("only-in-199") == std::string::npos &&
               final_metrics.find("cand-199") == std::string::npos;
      },
      std::chrono::seconds(20)))
      << "stale series left in /metrics (" << Lines(final_metrics) << " lines)";
  EXPECT_EQ(final_metrics.find("only-in-1\""), std::string::npos);
  const size_t lines_end = Lines(final_metrics);
  std::printf("/metrics lines after 10 reloads: %zu; after %d: %zu\n", lines_early, kReloads,
              lines_end);
  EXPECT_LT(lines_end, lines_early + 100);
}

}  // namespace
}  // namespace modelgate
