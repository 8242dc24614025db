// Quantile gauges folded into summaries at exposition (src/telemetry/summary_fold.h).
#include "telemetry/summary_fold.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace modelgate::telemetry {
namespace {

using testing::HasSubstr;
using testing::Not;

struct Families {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Gauge>& q =
      prometheus::BuildGauge().Name("lat_seconds").Help("quantiles").Register(registry);
  prometheus::Family<prometheus::Gauge>& count =
      prometheus::BuildGauge().Name("lat_seconds_count").Help("n").Register(registry);
  prometheus::Family<prometheus::Gauge>& sum =
      prometheus::BuildGauge().Name("lat_seconds_sum").Help("s").Register(registry);
};

TEST(SummaryFold, QuantileGaugesBecomeOneSummaryWithCountAndSum) {
  Families f;
  f.q.Add({{"arm", "a"}, {"quantile", "0.99"}}).Set(0.25);
  f.q.Add({{"arm", "a"}, {"quantile", "0.5"}}).Set(0.125);
  f.count.Add({{"arm", "a"}}).Set(40);
  f.sum.Add({{"arm", "a"}}).Set(6.5);
  const std::string text = SerializeText(f.registry.Collect());
  EXPECT_THAT(text, HasSubstr("# TYPE lat_seconds summary\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds{arm=\"a\",quantile=\"0.5\"} 0.125\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds{arm=\"a\",quantile=\"0.99\"} 0.25\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_count{arm=\"a\"} 40\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_sum{arm=\"a\"} 6.5\n"));
  // The helper gauges are gone: one family, no gauge typed with a quantile label.
  EXPECT_THAT(text, Not(HasSubstr("# TYPE lat_seconds gauge")));
  EXPECT_THAT(text, Not(HasSubstr("# TYPE lat_seconds_count")));
  EXPECT_THAT(text, Not(HasSubstr("# TYPE lat_seconds_sum")));
  // Quantiles are written in increasing order whatever order they were published in.
  EXPECT_LT(text.find("quantile=\"0.5\""), text.find("quantile=\"0.99\""));
}

TEST(SummaryFold, QuantilesWithoutACountAreDroppedRatherThanExportedWithAFalseCount) {
  Families f;
  f.q.Add({{"arm", "a"}, {"quantile", "0.99"}}).Set(0.25);
  f.q.Add({{"arm", "b"}, {"quantile", "0.99"}}).Set(0.5);
  f.count.Add({{"arm", "b"}}).Set(3);
  const std::string text = SerializeText(f.registry.Collect());
  EXPECT_THAT(text, Not(HasSubstr("arm=\"a\"")));
  EXPECT_THAT(text, HasSubstr("lat_seconds{arm=\"b\",quantile=\"0.99\"} 0.5\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_sum{arm=\"b\"} 0\n"));
}

TEST(SummaryFold, GaugesWithoutACountFamilyAreLeftAlone) {
  prometheus::Registry registry;
  auto& g = prometheus::BuildGauge().Name("other").Help("h").Register(registry);
  g.Add({{"quantile", "0.5"}}).Set(1);
  auto& plain = prometheus::BuildGauge().Name("plain").Help("h").Register(registry);
  plain.Add({}).Set(2);
  const std::string text = SerializeText(registry.Collect());
  EXPECT_THAT(text, HasSubstr("# TYPE other gauge\nother{quantile=\"0.5\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("plain 2\n"));
}

}  // namespace
}  // namespace modelgate::telemetry
