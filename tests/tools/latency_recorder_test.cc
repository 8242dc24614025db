// Tests of LatencyRecorder: exact quantiles under the cap, ≤1% relative error past it.
#include "tools/load/latency_recorder.h"

#include <cmath>

#include "gtest/gtest.h"

namespace modelgate::tools {
namespace {

TEST(LatencyRecorder, QuantilesAreExactNearestRankUnderTheCap) {
  LatencyRecorder recorder(1000);
  for (int i = 100; i >= 1; --i) recorder.Record(i * 1000000LL);  // 1..100 ms, unsorted.
  LatencyRecorder::Summary s = recorder.Summarize();
  EXPECT_TRUE(s.exact);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.p50_ms, 50);
  EXPECT_DOUBLE_EQ(s.p90_ms, 90);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99);
  EXPECT_DOUBLE_EQ(s.p999_ms, 100);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  EXPECT_DOUBLE_EQ(s.max_ms, 100);
  EXPECT_DOUBLE_EQ(s.mean_ms, 50.5);
}

TEST(LatencyRecorder, PastTheCapQuantilesStayWithinOnePercent) {
  LatencyRecorder recorder(10);
  // 1 µs .. 100 ms on a log scale, so every bucket range is exercised.
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    recorder.Record(static_cast<int64_t>(1000 * std::pow(1e5, static_cast<double>(i) / (n - 1))));
  }
  LatencyRecorder::Summary s = recorder.Summarize();
  EXPECT_FALSE(s.exact);
  auto exact_ms = [&](double q) {
    int rank = static_cast<int>(std::ceil(q * n - 1e-9));
    return 1000 * std::pow(1e5, static_cast<double>(rank - 1) / (n - 1)) * 1e-6;
  };
  EXPECT_NEAR(s.p50_ms / exact_ms(0.5), 1, 0.01);
  EXPECT_NEAR(s.p90_ms / exact_ms(0.9), 1, 0.01);
  EXPECT_NEAR(s.p99_ms / exact_ms(0.99), 1, 0.01);
  EXPECT_NEAR(s.p999_ms / exact_ms(0.999), 1, 0.01);
}

TEST(LatencyRecorder, EmptyRecorderSummarizesToZeros) {
  LatencyRecorder recorder(10);
  LatencyRecorder::Summary s = recorder.Summarize();
  EXPECT_EQ(s.count, 0);
  EXPECT_EQ(s.p99_ms, 0);
}

}  // namespace
}  // namespace modelgate::tools
