// The status page's history ring (admin/history.h): rates and error ratios from counter deltas,
// p99 from histogram deltas, resets (a counter that went back, a series object that changed),
// routes and arms removed by a reload, and the caps that bound its memory.
#include "admin/history.h"

#include <cmath>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace modelgate::admin {
namespace {

const std::vector<double> kBounds = {0.001, 0.01, 0.1};
const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

ArmReading Arm(const std::string& name, std::shared_ptr<const void> series, double calls,
               double errors, std::vector<double> buckets = {}) {
  ArmReading a;
  a.arm = name;
  a.role = "reference";
  a.weight = 0.5;
  a.series = std::move(series);
  a.calls = calls;
  a.errors = errors;
  a.buckets = std::move(buckets);
  return a;
}

std::vector<RouteReading> OneRoute(std::vector<ArmReading> arms, const std::string& route = "r") {
  return {RouteReading{route, "ab", std::move(arms)}};
}

const nlohmann::json& ArmJson(const nlohmann::json& j, const std::string& route,
                              const std::string& arm) {
  return j.at("routes").at(route).at("arms").at(arm);
}

TEST(History, TheFirstReadingOnlyPrimesTheDeltas) {
  History h({}, kBounds);
  auto s = std::make_shared<int>(0);
  h.Record(kT0, OneRoute({Arm("a", s, 100, 5)}));
  EXPECT_TRUE(ArmJson(h.Json(), "r", "a")["t"].empty());
}

TEST(History, RatesAndErrorRatiosComeFromCounterDeltas) {
  History h({}, kBounds);
  auto s = std::make_shared<int>(0);
  h.Record(kT0, OneRoute({Arm("a", s, 100, 5)}));
  h.Record(kT0 + absl::Seconds(5), OneRoute({Arm("a", s, 600, 55)}));
  h.Record(kT0 + absl::Seconds(10), OneRoute({Arm("a", s, 600, 55)}));  // an idle interval
  const nlohmann::json a = ArmJson(h.Json(), "r", "a");
  ASSERT_EQ(a["t"].size(), 2u);
  EXPECT_DOUBLE_EQ(a["t"][0].get<double>(), 1'700'000'005.0);
  EXPECT_FLOAT_EQ(a["rate"][0].get<float>(), 100.0f);        // 500 calls in 5 s
  EXPECT_FLOAT_EQ(a["error_ratio"][0].get<float>(), 0.1f);   // 50 of 500
  EXPECT_FLOAT_EQ(a["weight"][0].get<float>(), 0.5f);
  EXPECT_FLOAT_EQ(a["rate"][1].get<float>(), 0.0f);
  EXPECT_TRUE(a["error_ratio"][1].is_null()) << "no calls: no ratio";
  EXPECT_TRUE(a["p99_seconds"][1].is_null()) << "no histogram: no latency";
}

TEST(History, P99ComesFromTheIntervalsHistogramDeltaOnly) {
  History h({}, kBounds);
  auto s = std::make_shared<int>(0);
  // Before: 1000 fast calls (<= 1 ms). Then 100 calls in (10 ms, 100 ms].
  h.Record(kT0, OneRoute({Arm("a", s, 1000, 0, {1000, 1000, 1000, 1000})}));
  h.Record(kT0 + absl::Seconds(5), OneRoute({Arm("a", s, 1100, 0, {1000, 1000, 1100, 1100})}));
  const float p99 = ArmJson(h.Json(), "r", "a")["p99_seconds"][0].get<float>();
  // Rank 99 of 100 in (0.01, 0.1]: 0.01 + 0.09 * 99/100, far above any fast call.
  EXPECT_NEAR(p99, 0.0991, 1e-5);
}

TEST(History, HistogramQuantileInterpolatesWithinItsBucket) {
  EXPECT_NEAR(HistogramQuantile(kBounds, {50, 100, 100, 100}, 0.5), 0.001, 1e-12);
  EXPECT_NEAR(HistogramQuantile(kBounds, {0, 100, 100, 100}, 0.5), 0.0055, 1e-12);
  EXPECT_EQ(HistogramQuantile(kBounds, {0, 0, 0, 10}, 0.99), 0.1) << "+Inf: the last bound";
  EXPECT_TRUE(std::isnan(HistogramQuantile(kBounds, {0, 0, 0, 0}, 0.99)));
}

TEST(History, ACounterThatWentBackIsAReset) {
  History h({}, kBounds);
  auto s = std::make_shared<int>(0);
  h.Record(kT0, OneRoute({Arm("a", s, 1000, 10)}));
  h.Record(kT0 + absl::Seconds(5), OneRoute({Arm("a", s, 50, 5)}));
  const nlohmann::json a = ArmJson(h.Json(), "r", "a");
  EXPECT_FLOAT_EQ(a["rate"][0].get<float>(), 10.0f) << "the new value is the interval's count";
  EXPECT_FLOAT_EQ(a["error_ratio"][0].get<float>(), 0.1f);
}

TEST(History, NewCountersAfterAReloadAreAResetEvenWhenTheyAreHigher) {
  History h({}, kBounds);
  auto before = std::make_shared<int>(0);
  h.Record(kT0, OneRoute({Arm("a", before, 100, 0)}));
  before.reset();  // the reload removed the route; its series went away...
  auto after = std::make_shared<int>(0);  // ...and a new one (from zero) serves the same name
  h.Record(kT0 + absl::Seconds(5), OneRoute({Arm("a", after, 250, 0)}));
  const nlohmann::json a = ArmJson(h.Json(), "r", "a");
  EXPECT_FLOAT_EQ(a["rate"][0].get<float>(), 50.0f) << "250 new calls, not 250 - 100";
}

TEST(History, RoutesAndArmsRemovedByAReloadDropOut) {
  History h({}, kBounds);
  auto s = std::make_shared<int>(0);
  std::vector<RouteReading> both = OneRoute({Arm("a", s, 1, 0), Arm("b", s, 1, 0)}, "r");
  both.push_back(RouteReading{"gone", "forward", {Arm("x", s, 1, 0)}});
  h.Record(kT0, both);
  h.Record(kT0 + absl::Seconds(5), OneRoute({Arm("a", s, 2, 0)}, "r"));
  const nlohmann::json j = h.Json();
  EXPECT_FALSE(j["routes"].contains("gone"));
  EXPECT_FALSE(j["routes"]["r"]["arms"].contains("b"));
  EXPECT_EQ(ArmJson(j, "r", "a")["t"].size(), 1u) << "the arm that stayed keeps its history";
}

TEST(History, EachSeriesKeepsOnlyTheNewestPoints) {
  History::Options o;
  o.capacity = 4;
  History h(o, kBounds);
  auto s = std::make_shared<int>(0);
  for (int i = 0; i <= 10; ++i) {
    h.Record(kT0 + absl::Seconds(5 * i), OneRoute({Arm("a", s, 10.0 * i * i, 0)}));
  }
  const nlohmann::json a = ArmJson(h.Json(), "r", "a");
  ASSERT_EQ(a["t"].size(), 4u);
  // Points 7..10, oldest first; interval i had 10 * (i^2 - (i-1)^2) calls in 5 s.
  for (int k = 0; k < 4; ++k) {
    const int i = 7 + k;
    EXPECT_DOUBLE_EQ(a["t"][k].get<double>(), 1'700'000'000.0 + 5 * i);
    EXPECT_FLOAT_EQ(a["rate"][k].get<float>(), 10.0f * (2 * i - 1) / 5) << k;
  }
}

TEST(History, SeriesBeyondTheCapAreLeftOutAndCounted) {
  History::Options o;
  o.max_series = 2;
  History h(o, kBounds);
  auto s = std::make_shared<int>(0);
  h.Record(kT0, OneRoute({Arm("a", s, 1, 0), Arm("b", s, 1, 0), Arm("c", s, 1, 0)}));
  const nlohmann::json j = h.Json();
  EXPECT_EQ(j["routes"]["r"]["arms"].size(), 2u);
  EXPECT_EQ(j["untracked_series"], 1);
}

TEST(History, MemoryIsCappedWhateverTheTraffic) {
  History h({}, kBounds);
  // 256 series x 180 points: about a megabyte, fixed by the options alone.
  EXPECT_LT(h.MaxBytes(), 2u << 20);
  EXPECT_GT(h.MaxBytes(), 256u * 180 * 20);
}

}  // namespace
}  // namespace modelgate::admin
