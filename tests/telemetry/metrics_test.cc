// Metric families: names, labels and types as documented; per-code counters appear only once a
// code occurs; config_info keeps exactly one series across reloads.
#include "telemetry/metrics.h"

#include "gtest/gtest.h"

namespace modelgate::telemetry {
namespace {

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(Metrics, ArmCountersAppearPerCodeOnFirstUse) {
  Metrics m;
  auto arm = m.ForArm("predict", "candidate");
  std::string text = m.Serialize();
  EXPECT_FALSE(Has(text, "modelgate_requests_total{"));
  arm->requests->Increment(0);
  arm->requests->Increment(0);
  arm->requests->Increment(14);
  arm->requests->Increment(99);  // out of range counts as UNKNOWN
  arm->duration->Observe(0.0004);
  text = m.Serialize();
  EXPECT_TRUE(Has(text, R"(modelgate_requests_total{arm="candidate",code="OK",route="predict"} 2)"));
  EXPECT_TRUE(Has(text, R"(modelgate_requests_total{arm="candidate",code="UNAVAILABLE",route="predict"} 1)"));
  EXPECT_TRUE(Has(text, R"(modelgate_requests_total{arm="candidate",code="UNKNOWN",route="predict"} 1)"));
  EXPECT_TRUE(Has(text, R"(modelgate_request_duration_seconds_bucket{arm="candidate",route="predict",le="0.0005"} 1)"));
  EXPECT_TRUE(Has(text, R"(modelgate_request_duration_seconds_bucket{arm="candidate",route="predict",le="0.00025"} 0)"));
  EXPECT_EQ(arm->requests->Value(0), 2);
}

TEST(Metrics, SameLabelsShareOneSeriesAcrossSnapshots) {
  Metrics m;
  auto a = m.ForArm("r", "legacy");
  auto b = m.ForArm("r", "legacy");  // a reload resolves the same handles again
  a->requests->Increment(0);
  b->requests->Increment(0);
  EXPECT_EQ(a->requests->Value(0), 2);
  EXPECT_EQ(a->duration.get(), b->duration.get());
}

TEST(Metrics, SeriesOfARemovedArmDisappearWhenItsLastHolderIsGone) {
  Metrics m;
  auto old_snapshot = m.ForArm("r", "legacy");
  auto new_snapshot = m.ForArm("r", "legacy");
  auto inflight = m.Inflight("r");
  old_snapshot->requests->Increment(14);
  new_snapshot->requests->Increment(0);
  old_snapshot->duration->Observe(0.001);
  old_snapshot.reset();  // the old snapshot's last call ended; the new one still uses the arm
  std::string text = m.Serialize();
  EXPECT_TRUE(Has(text, R"(modelgate_requests_total{arm="legacy",code="UNAVAILABLE",route="r"} 1)"));
  EXPECT_TRUE(Has(text, R"(modelgate_request_duration_seconds_count{arm="legacy",route="r"} 1)"));
  new_snapshot.reset();  // a reload removed the arm
  inflight = SeriesLease<prometheus::Gauge>();
  text = m.Serialize();
  EXPECT_FALSE(Has(text, R"(route="r")")) << text;
}

TEST(Metrics, DeclaresEveryDocumentedFamilyWithItsType) {
  Metrics m;
  auto arm = m.ForArm("r", "a");  // the series live as long as their holders
  arm->requests->Increment(0);
  auto backend = m.ForBackend("b");
  backend->upstream_errors->Increment(14);
  auto inflight = m.Inflight("r");
  inflight->Increment();
  m.Unrouted()->Increment();
  m.SetConfigInfo("abc", 1);
  m.CountReload(true);
  const std::string text = m.Serialize();
  for (const char* line : {
           "# TYPE modelgate_requests_total counter",
           "# TYPE modelgate_request_duration_seconds histogram",
           "# TYPE modelgate_upstream_errors_total counter",
           "# TYPE modelgate_inflight_requests gauge",
           "# TYPE modelgate_unrouted_requests_total counter",
           "# TYPE modelgate_config_info gauge",
           "# TYPE modelgate_config_reload_total counter",
           "# TYPE modelgate_config_last_reload_successful gauge",
           "# TYPE modelgate_config_last_reload_success_timestamp_seconds gauge",
           "# TYPE modelgate_client_connections gauge",
           "# TYPE modelgate_client_connections_rejected_total counter",
           "# TYPE modelgate_build_info gauge",
       }) {
    EXPECT_TRUE(Has(text, line)) << line;
  }
  EXPECT_TRUE(Has(text, R"(modelgate_upstream_errors_total{backend="b",code="UNAVAILABLE"} 1)"));
  EXPECT_TRUE(Has(text, "modelgate_build_info{version=\"" MODELGATE_VERSION "\"} 1"));
}

TEST(Metrics, LastReloadGaugesFollowTheLastAttempt) {
  Metrics m;
  m.MarkConfigValid();
  EXPECT_TRUE(Has(m.Serialize(), "modelgate_config_last_reload_successful 1"));
  m.CountReload(false);
  EXPECT_TRUE(Has(m.Serialize(), "modelgate_config_last_reload_successful 0"));
  EXPECT_TRUE(Has(m.Serialize(), R"(modelgate_config_reload_total{result="error"} 1)"));
  m.CountReload(true);
  const std::string text = m.Serialize();
  EXPECT_TRUE(Has(text, "modelgate_config_last_reload_successful 1"));
  EXPECT_FALSE(Has(text, "modelgate_config_last_reload_success_timestamp_seconds 0\n"));
}

TEST(Metrics, ConfigInfoKeepsOneSeriesAcrossReloads) {
  Metrics m;
  m.SetConfigInfo("aaa", 1);
  m.SetConfigInfo("bbb", 2);
  const std::string text = m.Serialize();
  EXPECT_FALSE(Has(text, R"(hash="aaa")"));
  EXPECT_TRUE(Has(text, R"(modelgate_config_info{generation="2",hash="bbb"} 1)"));
}

TEST(Metrics, BucketsSpanSubMillisecondToSeconds) {
  const auto& b = Metrics::LatencyBuckets();
  ASSERT_FALSE(b.empty());
  EXPECT_LE(b.front(), 0.0001);
  EXPECT_GE(b.back(), 10);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

}  // namespace
}  // namespace modelgate::telemetry
