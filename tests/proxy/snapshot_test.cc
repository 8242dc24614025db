// Snapshots: arms bound to backends and metric handles, generation carried through.
#include "proxy/snapshot.h"

#include "config/loader.h"
#include "strategies/compile.h"
#include "gtest/gtest.h"
#include "proxy/shadow_budgets.h"
#include "proxy/upstream_pool.h"

namespace modelgate::proxy {
namespace {

SnapshotHooks Hooks() {
  SnapshotHooks hooks;
  hooks.compile = [](const config::Config& c) { return strategies::CompileRoutes(c); };
  return hooks;
}

TEST(Snapshot, BindsArmsToBackendsAndMetrics) {
  auto loaded = config::ParseConfig("t.yaml", R"(
listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
backends:
  - {name: legacy, address: 127.0.0.1:9001}
  - {name: candidate, address: 127.0.0.1:9002}
routes:
  - name: predict
    strategy: ab
    ab:
      arms: [{backend: legacy, weight: 1}, {backend: candidate, weight: 1, name: cand}]
)");
  ASSERT_TRUE(loaded.ok());
  telemetry::Metrics metrics;
  UpstreamPool pool(loaded.config.proxy.max_message_bytes, &metrics);
  ShadowBudgets budgets;
  auto snap = Snapshot::Build(loaded.config, 7, pool, budgets, metrics, Hooks());
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ((*snap)->generation(), 7u);
  const RouteRuntime& r = (*snap)->route(0);
  ASSERT_EQ(r.arms.size(), 2u);
  EXPECT_EQ(r.arms[0].backend->name, "legacy");
  EXPECT_EQ(r.arms[1].backend->name, "candidate");
  EXPECT_EQ(r.arms[1].spec->name, "cand");
  r.arms[1].metrics->requests->Increment(0);
  EXPECT_NE(metrics.Serialize().find(R"(arm="cand",code="OK",route="predict")"), std::string::npos);
  // A second snapshot of the same config reuses the channels.
  auto again = Snapshot::Build(loaded.config, 8, pool, budgets, metrics, Hooks());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->route(0).arms[0].backend->channel, r.arms[0].backend->channel);
}

// A reload must not let twice max_inflight copies run: the snapshot that replaces another counts
// the copies the old one started against its own budget.
TEST(Snapshot, ShadowCopiesInFlightAreCountedAcrossSnapshotsAndTheNewBudgetApplies) {
  const char* kConfig = R"(
listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
backends:
  - {name: legacy, address: 127.0.0.1:9001}
  - {name: candidate, address: 127.0.0.1:9002}
routes:
  - name: mirror
    strategy: shadow
    shadow: {primary: legacy, shadows: [candidate], max_inflight: MAX}
)";
  auto config = [&](const std::string& max) {
    std::string text = kConfig;
    text.replace(text.find("MAX"), 3, max);
    auto loaded = config::ParseConfig("t.yaml", text);
    EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors.front());
    return loaded.config;
  };
  telemetry::Metrics metrics;
  UpstreamPool pool(64 << 20, &metrics);
  ShadowBudgets budgets;
  auto old_snap = Snapshot::Build(config("10"), 1, pool, budgets, metrics, Hooks());
  ASSERT_TRUE(old_snap.ok()) << old_snap.status();
  auto shadow_arm = [](const Snapshot& s) -> const ArmRuntime& {
    for (const ArmRuntime& a : s.route(0).arms) {
      if (a.backend->name == "candidate") return a;
    }
    ADD_FAILURE() << "no arm for the shadow";
    return s.route(0).arms.front();
  };
  shadow_arm(**old_snap).shadow_inflight->fetch_add(7);  // copies the old snapshot started

  auto new_snap = Snapshot::Build(config("8"), 2, pool, budgets, metrics, Hooks());
  ASSERT_TRUE(new_snap.ok()) << new_snap.status();
  const ArmRuntime& arm = shadow_arm(**new_snap);
  EXPECT_EQ(arm.shadow_inflight, shadow_arm(**old_snap).shadow_inflight);
  EXPECT_EQ(arm.shadow_inflight->load(), 7);
  EXPECT_EQ(arm.shadow_budget, 8);
  // The primary's arm has a counter of its own.
  EXPECT_NE((*new_snap)->route(0).arms[0].shadow_inflight, arm.shadow_inflight);

  // Once no snapshot holds a counter, it is forgotten: a later config starts from zero.
  EXPECT_EQ(budgets.Live().size(), 2u);
  old_snap->reset();
  new_snap->reset();
  EXPECT_EQ(budgets.Live().size(), 0u);
  auto later = Snapshot::Build(config("8"), 3, pool, budgets, metrics, Hooks());
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(shadow_arm(**later).shadow_inflight->load(), 0);
}

}  // namespace
}  // namespace modelgate::proxy
