// The snapshot publisher combines the config with run-time route states: a controller's weights
// reach the data plane without a config change, survive every reload that leaves the route's
// definition alone, and are dropped when the route is redefined; states are persisted.
#include "control/snapshot_publisher.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "config/loader.h"
#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace modelgate::control {
namespace {

std::string Yaml(const std::string& ab_weights, const std::string& other_timeout = "1") {
  return absl::StrReplaceAll(R"(
listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
backends:
  - {name: legacy, address: 127.0.0.1:9001}
  - {name: candidate, address: 127.0.0.1:9002}
routes:
  - name: predict
    strategy: ab
    ab: {arms: [{backend: legacy, weight: W0}, {backend: candidate, weight: W1}]}
  - name: other
    strategy: forward
    forward: {backend: legacy}
    timeout_seconds: T
)",
                             {{"W0", ab_weights.substr(0, ab_weights.find('/'))},
                              {"W1", ab_weights.substr(ab_weights.find('/') + 1)},
                              {"T", other_timeout}});
}

config::Config Load(const std::string& yaml) {
  config::LoadResult r = config::ParseConfig("c.yaml", yaml);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0]);
  return r.config;
}

// The weights of route `predict` in the last config the data plane was given.
class FakeDataPlane {
 public:
  SnapshotPublisher::Install Installer() {
    return [this](const config::Config& c) -> absl::StatusOr<std::vector<std::string>> {
      if (fail_next) {
        fail_next = false;
        return absl::InternalError("the snapshot did not build");
      }
      installed = c;
      return std::vector<std::string>();
    };
  }
  std::vector<int64_t> Weights() const {
    std::vector<int64_t> w;
    for (const auto& a : installed->routes[0].arms) w.push_back(a.weight);
    return w;
  }
  std::optional<config::Config> installed;
  bool fail_next = false;
};

absl::Status SetWeights(SnapshotPublisher& p, std::vector<int64_t> weights) {
  return p.UpdateRoute("predict", [&](const config::Route&, RouteState& s) {
    s.weights = weights;
    s.controller["step"] = 2;
    return absl::OkStatus();
  });
}

TEST(SnapshotPublisher, RunTimeWeightsReachTheDataPlaneAndSurviveAReloadOfAnotherRoute) {
  SnapshotPublisher publisher(nullptr);
  FakeDataPlane plane;
  publisher.Start(Load(Yaml("90/10")));
  publisher.Attach(plane.Installer());
  ASSERT_TRUE(SetWeights(publisher, {75, 25}).ok());
  EXPECT_EQ(plane.Weights(), (std::vector<int64_t>{75, 25}));
  // A reload that changes only another route keeps predict's run-time weights.
  ASSERT_TRUE(publisher.ApplyConfig(Load(Yaml("90/10", "2"))).ok());
  EXPECT_EQ(plane.installed->routes[1].timeout_seconds, 2);
  EXPECT_EQ(plane.Weights(), (std::vector<int64_t>{75, 25}));
  ASSERT_TRUE(publisher.State("predict").has_value());
  EXPECT_EQ(publisher.State("predict")->controller["step"], 2);
  // The user's config is left as written.
  EXPECT_EQ(publisher.config().routes[0].arms[0].weight, 90);
}

TEST(SnapshotPublisher, ARedefinedRouteStartsFromItsConfigAgain) {
  SnapshotPublisher publisher(nullptr);
  FakeDataPlane plane;
  publisher.Start(Load(Yaml("90/10")));
  publisher.Attach(plane.Installer());
  ASSERT_TRUE(SetWeights(publisher, {75, 25}).ok());
  ASSERT_TRUE(publisher.ApplyConfig(Load(Yaml("80/20"))).ok());  // the user edited the split
  EXPECT_EQ(plane.Weights(), (std::vector<int64_t>{80, 20}));
  EXPECT_FALSE(publisher.State("predict").has_value());
}

TEST(SnapshotPublisher, UpdatesAreRefusedForUnknownRoutesAndBadWeightsAndChangeNothing) {
  SnapshotPublisher publisher(nullptr);
  FakeDataPlane plane;
  publisher.Start(Load(Yaml("90/10")));
  publisher.Attach(plane.Installer());
  ASSERT_TRUE(publisher.ApplyConfig(Load(Yaml("90/10", "3"))).ok());
  EXPECT_EQ(publisher.UpdateRoute("nope", [](const config::Route&, RouteState&) {
              return absl::OkStatus();
            }).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(SetWeights(publisher, {1, 2, 3}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(publisher.UpdateRoute("predict",
                                  [](const config::Route&, RouteState&) {
                                    return absl::FailedPreconditionError("refused by the test");
                                  })
                .code(),
            absl::StatusCode::kFailedPrecondition);
  plane.fail_next = true;
  EXPECT_EQ(SetWeights(publisher, {50, 50}).code(), absl::StatusCode::kInternal);
  EXPECT_FALSE(publisher.State("predict").has_value());
  EXPECT_EQ(plane.Weights(), (std::vector<int64_t>{90, 10}));
}

TEST(SnapshotPublisher, PersistedStatesAreRestoredAtStartWhileTheirRouteIsUnchanged) {
  testutil::TempDir dir;
  {
    StateStore store(dir.path());
    SnapshotPublisher publisher(&store);
    FakeDataPlane plane;
    publisher.Start(Load(Yaml("90/10")));
    publisher.Attach(plane.Installer());
    ASSERT_TRUE(SetWeights(publisher, {60, 40}).ok());
  }
  {  // a restart with the same config resumes at the stored weights
    StateStore store(dir.path());
    SnapshotPublisher publisher(&store);
    const config::Config effective = publisher.Start(Load(Yaml("90/10")));
    EXPECT_EQ(effective.routes[0].arms[0].weight, 60);
    EXPECT_EQ(effective.routes[0].arms[1].weight, 40);
  }
  {  // a restart with the route redefined starts from the config and forgets the state
    StateStore store(dir.path());
    SnapshotPublisher publisher(&store);
    const config::Config effective = publisher.Start(Load(Yaml("50/50")));
    EXPECT_EQ(effective.routes[0].arms[0].weight, 50);
    EXPECT_TRUE(store.LoadAll().states.empty());
  }
}

}  // namespace
}  // namespace modelgate::control
