// Snapshots: arms bound to backends and metric handles, generation carried through.
#include "proxy/snapshot.h"

#include "config/loader.h"
#include "strategies/compile.h"
#include "gtest/gtest.h"
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
  auto snap = Snapshot::Build(loaded.config, 7, pool, metrics, Hooks());
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
  auto again = Snapshot::Build(loaded.config, 8, pool, metrics, Hooks());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->route(0).arms[0].backend->channel, r.arms[0].backend->channel);
}

}  // namespace
}  // namespace modelgate::proxy
