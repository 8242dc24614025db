// The request-path recording of a RouteMonitor does not allocate once warmed up (its own binary:
// it replaces the global operator new to count allocations).
#include "gtest/gtest.h"
#include "monitor/route_monitor.h"
#include "monitor/test_util.h"
#include "stats/alloc_counter.h"

namespace modelgate::monitor {
namespace {

TEST(RouteMonitorAllocations, RecordOutcomeDoesNotAllocateInSteadyState) {
  RouteMonitor m("r", testing::TwoArms(), testing::BaseConfig(), 2, nullptr);
  testing::Gaussian g(1);
  std::vector<double> latencies(4096);
  for (double& x : latencies) x = std::max(1e-6, g.Next(0.005, 0.002));
  // Warm-up: the sketches settle on their key range, the reservoirs fill.
  for (int i = 0; i < 20000; ++i) m.RecordOutcome(i % 2, i % 2, 0, latencies[i % 4096]);
  m.Evaluate(absl::FromUnixSeconds(0));  // evaluation in between must not change that
  const int64_t before = stats::testing::HeapAllocations();
  for (int i = 0; i < 200000; ++i) {
    m.RecordOutcome(i % 2, (i / 2) % 2, i % 50 == 0 ? 14 : 0, latencies[(i * 7) % 4096]);
  }
  EXPECT_EQ(stats::testing::HeapAllocations() - before, 0);
}

}  // namespace
}  // namespace modelgate::monitor
