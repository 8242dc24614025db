// MonitorEngine: monitor reuse by experiment fingerprint across reloads, Retain, the payload
// queue (drops when full, decode errors), RouteStats, and the monitor thread's lifecycle.
#include "monitor/monitor_engine.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/gzip.h"
#include "monitor/test_util.h"
#include "prometheus/registry.h"

namespace modelgate::monitor {
namespace {

using testutil::Compress;
using testing::Fp32Response;
using testing::Fp64Request;
using ::testing::HasSubstr;
using testing::RawCord;
using testing::Serialize;
using testing::SeriesValue;
using testing::ToCord;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

config::Route AbRoute(const std::string& name = "recommend") {
  config::Route r;
  r.name = name;
  r.strategy = "ab";
  r.arms = {{"legacy", "model-v1", 90, ArmRole::kReference},
            {"candidate", "model-v2", 10, ArmRole::kCandidate}};
  r.block = std::make_shared<testing::SplitBlock>();
  r.monitor = testing::BaseConfig();
  r.monitor.payload = "inference_v2";
  r.monitor.output_tensor = "score";
  r.monitor.queue_size = 4;
  return r;
}

std::vector<config::Backend> Backends() {
  std::vector<config::Backend> b(3);
  for (int i = 0; i < 3; ++i) {
    b[i].name = "model-v" + std::to_string(i + 1);
    b[i].address = "127.0.0.1:900" + std::to_string(i + 1);
  }
  return b;
}

MonitorEngine::Options NoThread() {
  MonitorEngine::Options o;
  o.start_thread = false;
  return o;
}

TEST(MonitorEngine, RouteWithoutMonitorBlockHasNoMonitor) {
  MonitorEngine engine(nullptr, 1, NoThread());
  config::Route r = AbRoute();
  r.monitor = config::MonitorConfig();
  auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, nullptr);
  EXPECT_EQ(engine.RouteStats("recommend").status().code(), absl::StatusCode::kNotFound);
}

TEST(MonitorEngine, SameExperimentReusesTheMonitorAcrossAReload) {
  MonitorEngine engine(nullptr, 2, NoThread());
  auto first = engine.ForRoute(AbRoute(), Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(first.ok()) << first.status();
  (*first)->RecordOutcome(0, 0, 0, 0.01);
  config::Route reloaded = AbRoute();
  reloaded.timeout_seconds = 3;                // not part of the experiment
  reloaded.match.service = "pkg.Recommender";  // neither is the match rule
  auto second = engine.ForRoute(reloaded, Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(engine.num_monitors(), 1);
}

TEST(MonitorEngine, ChangedExperimentStartsAFreshMonitor) {
  MonitorEngine engine(nullptr, 1, NoThread());
  auto base = engine.ForRoute(AbRoute(), Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(base.ok());
  std::vector<config::Route> changed(6, AbRoute());
  changed[0].arms[1].name = "cand-b";
  changed[1].block = std::make_shared<testing::SplitBlock>("other-salt");
  changed[2].block = std::make_shared<testing::SplitBlock>("modelgate", "x-user");
  changed[3].monitor.alpha = 0.01;
  changed[4].monitor.drift.window_seconds = 600;
  changed[5].arms[1].backend = "model-v3";
  for (const config::Route& r : changed) {
    auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
    ASSERT_TRUE(m.ok());
    EXPECT_NE(m->get(), base->get());
  }
}

TEST(MonitorEngine, AWeightChangeKeepsTheMonitorAndRestartsItsSampleRatioCheck) {
  MonitorEngine engine(nullptr, 1, NoThread());
  auto base = engine.ForRoute(AbRoute(), Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(base.ok());
  // 900/100 calls match 90/10: no mismatch, and the comparisons have their evidence.
  for (int i = 0; i < 1000; ++i) (*base)->RecordOutcome(0, i % 10 == 0 ? 1 : 0, 0, 0.01);
  (*base)->Evaluate(kStart);
  EXPECT_EQ((*base)->Report()["srm"]["observed"]["legacy"], 900);
  config::Route stepped = AbRoute();
  stepped.arms[0].weight = 50;  // a canary step: same experiment, new traffic shares
  stepped.arms[1].weight = 50;
  auto after = engine.ForRoute(stepped, Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->get(), base->get());
  (*after)->Evaluate(kStart + absl::Seconds(1));
  const nlohmann::json report = (*after)->Report();
  // The sample-ratio check starts over against 50/50; the arms keep every call.
  EXPECT_EQ(report["srm"]["observed"]["legacy"], 0);
  EXPECT_EQ(report["srm"]["expected_share"]["legacy"], 0.5);
  EXPECT_EQ(report["arms"][0]["requests"], 900);
}

TEST(MonitorEngine, ArmBackendMovedToAnotherAddressStartsAFreshMonitor) {
  // Same names, weights and monitor block, but "model-v2" now points at another server: most
  // likely another model, whose statistics must not be mixed with the old one's.
  MonitorEngine engine(nullptr, 1, NoThread());
  auto base = engine.ForRoute(AbRoute(), Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(base.ok());
  std::vector<config::Backend> moved = Backends();
  moved[1].address = "127.0.0.1:9102";
  auto m = engine.ForRoute(AbRoute(), moved, testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  EXPECT_NE(m->get(), base->get());
  // A backend no arm uses may change freely.
  std::vector<config::Backend> unrelated = Backends();
  unrelated[2].address = "127.0.0.1:9103";
  auto same = engine.ForRoute(AbRoute(), unrelated, testing::ArmsMonitor());
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->get(), base->get());
}

TEST(MonitorEngine, MonitorsLiveAsLongAsTheirOwnersAndRetainForgetsUnusedOnes) {
  MonitorEngine engine(nullptr, 1, NoThread());
  auto a = engine.ForRoute(AbRoute("a"), Backends(), testing::ArmsMonitor());
  auto b = engine.ForRoute(AbRoute("b"), Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(engine.num_monitors(), 2);
  engine.Retain({a->get()});  // the new config has only route a
  EXPECT_EQ(engine.num_monitors(), 1);
  EXPECT_FALSE(engine.RouteStats("b").ok());
  EXPECT_TRUE(engine.RouteStats("a").ok());
  // A monitor nobody holds (e.g. its snapshot failed to build) is gone at once.
  {
    auto orphan = engine.ForRoute(AbRoute("c"), Backends(), testing::ArmsMonitor());
    ASSERT_TRUE(orphan.ok());
  }
  EXPECT_EQ(engine.num_monitors(), 1);
  // The next ForRoute of b starts fresh.
  auto b2 = engine.ForRoute(AbRoute("b"), Backends(), testing::ArmsMonitor());
  EXPECT_NE(b2->get(), b->get());
}

TEST(MonitorEngine, FullQueueDropsAndCountsWithoutBlocking) {
  auto registry = std::make_shared<prometheus::Registry>();
  MonitorEngine engine(registry, 1, NoThread());
  auto m = engine.ForRoute(AbRoute(), Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  const absl::Cord request = RawCord("");
  const absl::Cord response = ToCord(Fp32Response("score", {0.5f, 0.25f}));
  for (int i = 0; i < 10; ++i) testing::Offer(**m, i % 2, request, response);
  EXPECT_EQ((*m)->payload_counts().dropped, 6);  // queue_size 4, no consumer yet
  EXPECT_EQ(engine.RunOnce(kStart), 4);
  EXPECT_EQ((*m)->payload_counts().decoded, 4);
  EXPECT_EQ(engine.RunOnce(kStart), 0);
  // Room again after draining.
  testing::Offer(**m, 0, request, response);
  EXPECT_EQ(engine.RunOnce(kStart + absl::Seconds(1)), 1);
  const std::string text = Serialize(*registry);
  EXPECT_EQ(SeriesValue(text, "modelgate_monitor_dropped_total{route=\"recommend\"}"), 6);
  EXPECT_EQ(SeriesValue(text, "modelgate_monitor_decoded_total{route=\"recommend\"}"), 5);
  const nlohmann::json stats = engine.RouteStats("recommend").value();
  EXPECT_EQ(stats["payload"]["dropped"], 6);
  EXPECT_EQ(stats["payload"]["decoded"], 5);
}

TEST(MonitorEngine, GarbageBytesAreDecodeErrors) {
  MonitorEngine engine(nullptr, 1, NoThread());
  config::Route r = AbRoute();
  r.monitor.input_tensors = {"x"};
  auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  const absl::Cord garbage = RawCord(std::string("\xff\xff\xff\xff\x0f", 5));
  const absl::Cord good_response = ToCord(Fp32Response("score", {1.0f}));
  const absl::Cord good_request = ToCord(Fp64Request("x", {2.0}));
  testing::Offer(**m, 0, good_request, garbage);        // bad response
  testing::Offer(**m, 0, garbage, good_response);       // bad request (inputs monitored)
  testing::Offer(**m, 1, good_request, good_response);  // fine
  EXPECT_EQ(engine.RunOnce(kStart), 3);
  EXPECT_EQ((*m)->payload_counts().decode_errors, 2);
  EXPECT_EQ((*m)->payload_counts().decoded, 1);
}

// Compressed messages (as sent) are inflated on the monitor thread, capped at
// max_message_bytes: what does not inflate, or inflates past the cap, is a decode error.
TEST(MonitorEngine, CompressedPayloadsAreInflatedOnTheMonitorThreadCapped) {
  MonitorEngine::Options options = NoThread();
  options.max_message_bytes = 1 << 16;
  MonitorEngine engine(nullptr, 1, options);
  config::Route r = AbRoute();
  r.monitor.input_tensors = {"x"};
  auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  const std::string request = std::string(ToCord(Fp64Request("x", {2.0})));
  const std::string response = std::string(ToCord(Fp32Response("score", {1.0f})));
  const std::string bomb = Compress(std::string(1 << 20, '\0'));  // inflates past the cap
  testing::Offer(**m, 0, RawCord(Compress(request)), RawCord(Compress(response)),
                 /*compressed=*/true);
  testing::Offer(**m, 1, RawCord("not gzip"), RawCord(Compress(response)), /*compressed=*/true);
  testing::Offer(**m, 1, RawCord(Compress(request)), RawCord(bomb), /*compressed=*/true);
  EXPECT_EQ(engine.RunOnce(kStart), 3);
  EXPECT_EQ((*m)->payload_counts().decoded, 1);
  EXPECT_EQ((*m)->payload_counts().decode_errors, 2);
}

TEST(MonitorEngine, PayloadsAreIgnoredForRoutesThatDoNotMonitorThem) {
  MonitorEngine engine(nullptr, 1, NoThread());
  config::Route r = AbRoute();
  r.monitor.payload = "";
  auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  testing::Offer(**m, 0, RawCord("a"), RawCord("b"));
  EXPECT_EQ((*m)->payload_counts().dropped, 0);
  EXPECT_EQ(engine.RunOnce(kStart), 0);
}

TEST(MonitorEngine, EvaluatesEachRouteEveryItsInterval) {
  MonitorEngine engine(nullptr, 1, NoThread());
  config::Route r = AbRoute();
  r.monitor.interval_seconds = 5;
  auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  engine.RunOnce(kStart);  // a new monitor is evaluated at once
  const std::string first = engine.RouteStats("recommend")->at("evaluated_at");
  engine.RunOnce(kStart + absl::Seconds(4));
  EXPECT_EQ(engine.RouteStats("recommend")->at("evaluated_at"), first);
  engine.RunOnce(kStart + absl::Seconds(5));
  EXPECT_NE(engine.RouteStats("recommend")->at("evaluated_at"), first);
}

TEST(MonitorEngine, UnreadableReferenceFileIsAnErrorNamingTheFile) {
  MonitorEngine engine(nullptr, 1, NoThread());
  config::Route r = AbRoute();
  r.monitor.drift.reference_file = "/nonexistent/scores.txt";
  auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("/nonexistent/scores.txt"));
}

TEST(MonitorEngine, ReferenceFileWithABadLineNamesFileAndLine) {
  const std::string path = ::testing::TempDir() + "/monitor_engine_bad_reference.txt";
  {
    std::ofstream out(path);
    out << "0.5\n0.25\nnot-a-number\n";
  }
  MonitorEngine engine(nullptr, 1, NoThread());
  config::Route r = AbRoute();
  r.monitor.drift.reference_file = path;
  auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  std::remove(path.c_str());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr(path + ":3"));
}

TEST(MonitorEngine, NewReferenceFileContentsStartAFreshExperiment) {
  const std::string path = ::testing::TempDir() + "/monitor_engine_reference.txt";
  auto write = [&](double offset) {
    std::ofstream out(path);
    for (int i = 0; i < 100; ++i) out << offset + i * 0.01 << "\n";
  };
  write(0);
  MonitorEngine engine(nullptr, 1, NoThread());
  config::Route r = AbRoute();
  r.monitor.drift.reference_file = path;
  auto a = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  auto same = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  write(1);
  auto changed = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  std::remove(path.c_str());
  ASSERT_TRUE(a.ok() && same.ok() && changed.ok());
  EXPECT_EQ(a->get(), same->get());
  EXPECT_NE(a->get(), changed->get());
}

TEST(MonitorEngine, ThreadDecodesAndEvaluatesAndStopJoins) {
  MonitorEngine::Options o;
  o.poll_interval = absl::Milliseconds(1);
  MonitorEngine engine(nullptr, 1, o);
  config::Route r = AbRoute();
  r.monitor.queue_size = 1000;
  auto m = engine.ForRoute(r, Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  const absl::Cord response = ToCord(Fp32Response("score", {0.5f}));
  for (int i = 0; i < 200; ++i) testing::Offer(**m, i % 2, RawCord(""), response);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while ((*m)->payload_counts().decoded < 200 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ((*m)->payload_counts().decoded, 200);
  while (engine.RouteStats("recommend")->at("evaluated_at").is_null() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_FALSE(engine.RouteStats("recommend")->at("evaluated_at").is_null());
  engine.Stop();
  engine.Stop();  // idempotent; the destructor stops again
  // After Stop nothing drains: the queue fills and drops are counted, never blocking.
  for (int i = 0; i < 1001; ++i) testing::Offer(**m, 0, RawCord(""), response);
  EXPECT_EQ((*m)->payload_counts().dropped, 1);
}

TEST(MonitorEngine, DestructorStopsARunningThread) {
  auto engine = std::make_unique<MonitorEngine>(nullptr, 1);
  auto m = engine->ForRoute(AbRoute(), Backends(), testing::ArmsMonitor());
  ASSERT_TRUE(m.ok());
  engine.reset();  // joins; the monitor outlives the engine
  (*m)->RecordOutcome(0, 0, 0, 0.001);
  (*m)->Evaluate(kStart);
  EXPECT_EQ((*m)->Report()["arms"][0]["requests"], 1);
}

}  // namespace
}  // namespace modelgate::monitor
