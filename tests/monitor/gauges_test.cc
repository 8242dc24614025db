// Prometheus export of a RouteMonitor: series appear with the report's values once computed,
// never as NaN or placeholders, and their ownership is sane when several monitors of one route
// are alive (config reload).
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "monitor/route_monitor.h"
#include "monitor/test_util.h"
#include "prometheus/registry.h"

namespace modelgate::monitor {
namespace {

using testing::BaseConfig;
using testing::FindComparison;
using testing::Gaussian;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RecordCalls;
using testing::Serialize;
using testing::SeriesValue;
using testing::TwoArms;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// The text format prints 16 significant digits: equal up to that.
void ExpectClose(double exported, double reported) {
  EXPECT_NEAR(exported, reported, 1e-14 * std::max(1.0, std::abs(reported)));
}

TEST(MonitorGauges, NothingButCountersBeforeTheFirstEvaluation) {
  auto registry = std::make_shared<prometheus::Registry>();
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, registry);
  const std::string text = Serialize(*registry);
  EXPECT_THAT(text, Not(HasSubstr("modelgate_compare_pvalue{")));
  EXPECT_THAT(text, Not(HasSubstr("modelgate_srm_pvalue{")));
  EXPECT_THAT(text, Not(HasSubstr("modelgate_route_verdict{")));
  EXPECT_THAT(text, HasSubstr("modelgate_monitor_dropped_total{route=\"r\"} 0"));
}

TEST(MonitorGauges, ExportedValuesMatchTheReport) {
  auto registry = std::make_shared<prometheus::Registry>();
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, registry);
  Gaussian g(21);
  RecordCalls(m, g, 0, {0.005, 0.0005, 0.01}, 40);
  RecordCalls(m, g, 1, {0.007, 0.0005, 0.01}, 40);
  m.Evaluate(kStart);
  std::string text = Serialize(*registry);
  // Below min_samples: the verdict and the arm summaries exist, p-values do not.
  EXPECT_EQ(SeriesValue(text, "modelgate_route_verdict{route=\"r\"}"), 0);
  EXPECT_THAT(text, Not(HasSubstr("modelgate_compare_pvalue{")));
  EXPECT_THAT(text, HasSubstr("modelgate_arm_latency_seconds{"));

  RecordCalls(m, g, 0, {0.005, 0.0005, 0.01}, 200);
  RecordCalls(m, g, 1, {0.007, 0.0005, 0.01}, 200);
  m.Evaluate(kStart + absl::Seconds(1));
  text = Serialize(*registry);
  const nlohmann::json r = m.Report();
  const nlohmann::json& lat = *FindComparison(r, "candidate", "latency_mean");
  const std::string labels = "{arm=\"candidate\",metric=\"latency_mean\",route=\"r\"}";
  ExpectClose(SeriesValue(text, "modelgate_compare_pvalue" + labels),
              lat["always_valid_p_value"].get<double>());
  ExpectClose(SeriesValue(text, "modelgate_compare_adjusted_pvalue" + labels),
              lat["adjusted_p_value"].get<double>());
  EXPECT_NEAR(SeriesValue(text, "modelgate_compare_effect" + labels), lat["effect"].get<double>(),
              1e-12);
  EXPECT_NEAR(SeriesValue(text, "modelgate_compare_ci_lower" + labels), lat["ci_low"].get<double>(),
              1e-12);
  EXPECT_NEAR(SeriesValue(text, "modelgate_compare_ci_upper" + labels),
              lat["ci_high"].get<double>(), 1e-12);
  EXPECT_EQ(SeriesValue(text, "modelgate_compare_verdict" + labels), -1);
  EXPECT_EQ(SeriesValue(text, "modelgate_route_verdict{route=\"r\"}"), -1);
  EXPECT_EQ(SeriesValue(text, "modelgate_srm_detected{route=\"r\"}"), 0);
  ExpectClose(SeriesValue(text, "modelgate_srm_pvalue{route=\"r\"}"),
              r["srm"]["p_value"].get<double>());
  EXPECT_NEAR(
      SeriesValue(text,
                  "modelgate_arm_latency_seconds{arm=\"legacy\",route=\"r\",quantile=\"0.99\"}"),
      r["arms"][0]["latency"]["p99"].get<double>(), 1e-12);
  EXPECT_NEAR(SeriesValue(text, "modelgate_arm_error_ratio{arm=\"candidate\",route=\"r\"}"),
              r["arms"][1]["error_rate"].get<double>(), 1e-12);
  // The descriptive Mann-Whitney row exports its effect only: no p-value that could be peeked.
  EXPECT_FALSE(std::isnan(SeriesValue(
      text,
      "modelgate_compare_effect{arm=\"candidate\",metric=\"latency_distribution\",route=\"r\"}")));
  EXPECT_TRUE(std::isnan(SeriesValue(
      text,
      "modelgate_compare_pvalue{arm=\"candidate\",metric=\"latency_distribution\",route=\"r\"}")));
  EXPECT_THAT(text, Not(HasSubstr("nan")));
  EXPECT_THAT(text, Not(HasSubstr("NaN")));
}

TEST(MonitorGauges, NewestMonitorOfARoutePublishesAndSharedSeriesSurviveTheOldOne) {
  auto registry = std::make_shared<prometheus::Registry>();
  Gaussian g(22);
  auto old_monitor = std::make_unique<RouteMonitor>("r", TwoArms(), BaseConfig(), 1, registry);
  RecordCalls(*old_monitor, g, 0, {}, 300);
  RecordCalls(*old_monitor, g, 1, {}, 300);
  old_monitor->Evaluate(kStart);
  ExpectClose(
      SeriesValue(Serialize(*registry), "modelgate_arm_error_ratio{arm=\"candidate\",route=\"r\"}"),
      old_monitor->Report()["arms"][1]["error_rate"].get<double>());

  // A reload changes the experiment: a new monitor with another candidate arm.
  auto new_monitor = std::make_unique<RouteMonitor>(
      "r", std::vector<ArmInfo>{{"legacy", 50}, {"candidate2", 50}}, BaseConfig(), 1, registry);
  RecordCalls(*new_monitor, g, 0, {0.005, 0.0005, 0.5}, 10);
  new_monitor->Evaluate(kStart + absl::Seconds(1));
  old_monitor->Evaluate(kStart + absl::Seconds(1));  // not the publisher any more: withdraws
  std::string text = Serialize(*registry);
  ExpectClose(SeriesValue(text, "modelgate_arm_error_ratio{arm=\"legacy\",route=\"r\"}"),
              new_monitor->Report()["arms"][0]["error_rate"].get<double>());
  EXPECT_THAT(text, Not(HasSubstr("arm=\"candidate\"")));

  // The old monitor goes away (its last in-flight call ended): shared series stay.
  old_monitor.reset();
  text = Serialize(*registry);
  EXPECT_FALSE(
      std::isnan(SeriesValue(text, "modelgate_arm_error_ratio{arm=\"legacy\",route=\"r\"}")));
  EXPECT_THAT(text, HasSubstr("modelgate_monitor_decoded_total{route=\"r\"}"));
  new_monitor->Evaluate(kStart + absl::Seconds(2));
  EXPECT_FALSE(
      std::isnan(SeriesValue(Serialize(*registry), "modelgate_route_verdict{route=\"r\"}")));

  // The last monitor of the route goes: no series of the route is left behind.
  new_monitor.reset();
  EXPECT_THAT(Serialize(*registry), Not(HasSubstr("route=\"r\"")));
}

TEST(MonitorGauges, PreviousMonitorPublishesAgainWhenTheNewestGoesFirst) {
  auto registry = std::make_shared<prometheus::Registry>();
  Gaussian g(23);
  RouteMonitor kept("r", TwoArms(), BaseConfig(), 1, registry);
  RecordCalls(kept, g, 0, {}, 50);
  RecordCalls(kept, g, 1, {}, 50);
  {
    // E.g. a snapshot that failed to build after creating its monitor.
    RouteMonitor orphan("r", TwoArms(), BaseConfig(), 1, registry);
    kept.Evaluate(kStart);
    EXPECT_THAT(Serialize(*registry), Not(HasSubstr("modelgate_route_verdict{")));
  }
  kept.Evaluate(kStart + absl::Seconds(1));
  EXPECT_EQ(SeriesValue(Serialize(*registry), "modelgate_route_verdict{route=\"r\"}"), 0);
}

TEST(MonitorGauges, CountersCountDropsAndDecodeErrors) {
  auto registry = std::make_shared<prometheus::Registry>();
  RouteMonitor m("r", TwoArms(), BaseConfig(), 1, registry);
  m.CountDropped();
  m.CountDropped();
  m.CountDecodeError();
  const std::string text = Serialize(*registry);
  EXPECT_EQ(SeriesValue(text, "modelgate_monitor_dropped_total{route=\"r\"}"), 2);
  EXPECT_EQ(SeriesValue(text, "modelgate_monitor_decode_errors_total{route=\"r\"}"), 1);
  EXPECT_EQ(SeriesValue(text, "modelgate_monitor_decoded_total{route=\"r\"}"), 0);
  EXPECT_EQ(m.payload_counts().dropped, 2);
}

}  // namespace
}  // namespace modelgate::monitor
