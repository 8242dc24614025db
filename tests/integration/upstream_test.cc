// Upstreams as Kubernetes runs them, through real processes: a target that resolves to several
// addresses (a headless Service's pods; here an ipv4: list of two fake models) is balanced
// round-robin, or pinned with pick_first; a restarted backend is back within about a second; a
// freshly started proxy has its upstream connected before the first call, and a reload that
// leaves a backend unchanged keeps its connection.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/echo_stats.h"
#include "integration/harness.h"
#include "integration/stand_in_listener.h"
#include "modelgate/testing/echo.grpc.pb.h"

namespace modelgate {
namespace {

using modelgate::testing::Echo;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;
using Clock = std::chrono::steady_clock;

constexpr char kConnected[] = R"(modelgate_backend_connected{backend="legacy"})";
constexpr char kForwardToLegacy[] = R"(
routes:
  - name: echo
    strategy: forward
    forward: {backend: legacy}
)";

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A loopback config with one backend, "legacy", written out as `{name: legacy, <fields>}`.
std::string LegacyConfig(const std::string& fields, const std::string& routes = kForwardToLegacy) {
  return absl::StrCat("listen: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\nbackends:\n",
                      "  - {name: legacy, ", fields, "}\n", routes);
}

// One Echo call through `stub`: the backend's response, or nullopt (printing why) on error.
std::optional<EchoResponse> Echo1(Echo::Stub& stub,
                                  std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  EchoRequest req;
  EchoResponse resp;
  grpc::Status s = stub.Unary(&ctx, req, &resp);
  if (s.ok()) return resp;
  return std::nullopt;
}

// The answering backend's name, or "error".
std::string Call(Echo::Stub& stub, std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
  std::optional<EchoResponse> r = Echo1(stub, deadline);
  return r.has_value() ? r->server_name() : "error";
}

// Backend name -> how many of `n` calls it answered.
std::map<std::string, int> Spread(Echo::Stub& stub, int n) {
  std::map<std::string, int> counts;
  for (int i = 0; i < n; ++i) ++counts[Call(stub)];
  return counts;
}

class Upstreams : public ::testing::Test {
 protected:
  // Two fake models, "a" and "b": the pods behind one Service.
  void StartPods() {
    auto a = testutil::StartFakeModel("a");
    auto b = testutil::StartFakeModel("b");
    ASSERT_TRUE(a.ok() && b.ok());
    a_.emplace(std::move(*a));
    b_.emplace(std::move(*b));
    pods_target_ = absl::StrCat("ipv4:", a_->address, ",", b_->address);
  }

  void StartProxy(const std::string& yaml) {
    auto mg = testutil::Modelgate::Start(dir_.Write("config.yaml", yaml));
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
    channel_ = mg_->NewChannel();
    stub_ = Echo::NewStub(channel_);
  }

  testutil::TempDir dir_;
  std::optional<testutil::ListeningProcess> a_, b_;
  std::string pods_target_;
  std::unique_ptr<testutil::Modelgate> mg_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Echo::Stub> stub_;
};

TEST_F(Upstreams, RoundRobinSpreadsCallsOverEveryResolvedAddress) {
  StartPods();
  StartProxy(testutil::LoopbackConfig({{"legacy", pods_target_}}, kForwardToLegacy));
  // Both connections come up in the background; once they are, calls alternate.
  std::map<std::string, int> seen;
  ASSERT_TRUE(testutil::PollUntil(
      [&] {
        ++seen[Call(*stub_)];
        return seen.count("a") > 0 && seen.count("b") > 0;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(1)))
      << "only one address was used";
  const std::map<std::string, int> spread = Spread(*stub_, 100);
  EXPECT_EQ(spread.count("error"), 0u);
  EXPECT_GE(spread.count("a") ? spread.at("a") : 0, 40);
  EXPECT_GE(spread.count("b") ? spread.at("b") : 0, 40);
}

TEST_F(Upstreams, PickFirstPinsCallsToOneAddress) {
  StartPods();
  StartProxy(LegacyConfig(absl::StrCat("address: \"", pods_target_, "\", lb_policy: pick_first")));
  EXPECT_EQ(Spread(*stub_, 50), (std::map<std::string, int>{{"a", 50}}));
}

TEST_F(Upstreams, DnsTargetsResolve) {
  auto backend = testutil::StartFakeModel("legacy");
  ASSERT_TRUE(backend.ok()) << backend.status();
  StartProxy(testutil::LoopbackConfig(
      {{"legacy", absl::StrCat("dns:///localhost:", backend->port)}}, kForwardToLegacy));
  EXPECT_EQ(Call(*stub_), "legacy");
}

// A reload that leaves a backend's target and settings alone keeps its connection (the
// backend sees the same client address); changing a connection setting makes a new one. (Not
// every setting: channels whose connections would be configured alike share them in gRPC's
// subchannel pool, e.g. across a change of lb_policy.)
TEST_F(Upstreams, ReloadKeepsTheConnectionOfAnUnchangedBackend) {
  auto backend = testutil::StartFakeModel("legacy");
  ASSERT_TRUE(backend.ok()) << backend.status();
  const auto config = [&](const std::string& route_name, const std::string& reconnect_max) {
    return LegacyConfig(
        absl::StrCat("address: \"", backend->address,
                     "\", upstream: {reconnect_max_seconds: ", reconnect_max, "}"),
        absl::StrCat("routes:\n  - {name: ", route_name,
                     ", strategy: forward, forward: {backend: legacy}}\n"));
  };
  const std::string path = dir_.Write("config.yaml", config("first", "1"));
  auto mg = testutil::Modelgate::Start(path);
  ASSERT_TRUE(mg.ok()) << mg.status();
  mg_ = std::move(*mg);
  stub_ = Echo::NewStub(mg_->NewChannel());
  const std::optional<EchoResponse> before = Echo1(*stub_);
  ASSERT_TRUE(before.has_value());

  dir_.Write("config.yaml", config("renamed", "1"));
  ASSERT_EQ(mg_->WaitForMetric(R"(modelgate_config_reload_total{result="success"})", 1), 1);
  const std::optional<EchoResponse> same = Echo1(*stub_);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->peer(), before->peer());

  dir_.Write("config.yaml", config("renamed", "2"));
  ASSERT_EQ(mg_->WaitForMetric(R"(modelgate_config_reload_total{result="success"})", 2), 2);
  const std::optional<EchoResponse> changed = Echo1(*stub_);
  ASSERT_TRUE(changed.has_value());
  EXPECT_NE(changed->peer(), before->peer());
  std::printf("backend saw %s, %s after a rename, %s after the backoff changed\n",
              before->peer().c_str(), same->peer().c_str(), changed->peer().c_str());
}

// The upstream channel is connected while the proxy starts, so the first call does not pay for
// name resolution, the TCP connection and the HTTP/2 handshake.
TEST_F(Upstreams, FirstCallFindsTheUpstreamConnected) {
  auto backend = testutil::StartFakeModel("legacy");
  ASSERT_TRUE(backend.ok()) << backend.status();
  StartProxy(testutil::LoopbackConfig({{"legacy", backend->address}}, kForwardToLegacy));
  // No call has been made yet: the proxy connected on its own.
  EXPECT_EQ(mg_->Metric(kConnected), 1);
  // Time only the proxy's part: the client's own connection to the proxy is made first.
  ASSERT_TRUE(
      channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)));
  const Clock::time_point first_start = Clock::now();
  ASSERT_EQ(Call(*stub_), "legacy");
  const double first = Seconds(Clock::now() - first_start);
  const Clock::time_point second_start = Clock::now();
  ASSERT_EQ(Call(*stub_), "legacy");
  const double second = Seconds(Clock::now() - second_start);
  std::printf("first call through a fresh proxy: %.2f ms (second call: %.2f ms)\n", first * 1e3,
              second * 1e3);
  EXPECT_LT(first, 5.0);
}

// A backend that takes two calls at a time per connection (SETTINGS_MAX_CONCURRENT_STREAMS 2):
// the proxy keeps the calls beyond that waiting on its connection until a stream ends, rather
// than opening streams the backend would refuse; every call is answered. The backend holds each
// call 150 ms, so twelve calls two at a time cannot finish in under 6 x 150 ms.
TEST_F(Upstreams, CallsBeyondTheBackendsStreamLimitWaitTheirTurn) {
  auto backend = testutil::StartFakeModel("legacy", {"--max_concurrent_streams=2"});
  ASSERT_TRUE(backend.ok()) << backend.status();
  StartProxy(testutil::LoopbackConfig({{"legacy", backend->address}}, kForwardToLegacy));
  auto direct = Echo::NewStub(
      grpc::CreateChannel(backend->address, grpc::InsecureChannelCredentials()));
  ASSERT_EQ(Call(*stub_), "legacy");  // the proxy's connection is up and has the SETTINGS

  constexpr int kCalls = 12;
  constexpr int kDelayMs = 150;
  std::atomic<bool> done{false};
  int64_t max_held = 0;
  std::thread sampler([&] {  // the backend's own count of calls it is holding, sampled
    while (!done.load()) {
      max_held = std::max(max_held, testutil::EchoStats(*direct).held_calls());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  std::atomic<int> ok{0};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&] {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      EchoRequest req;
      req.set_delay_ms(kDelayMs);
      EchoResponse resp;
      const grpc::Status s = stub_->Unary(&ctx, req, &resp);
      if (s.ok()) {
        ++ok;
      } else {
        std::printf("call failed: %d %s\n", s.error_code(), s.error_message().c_str());
      }
    });
  }
  for (std::thread& t : callers) t.join();
  const double elapsed = Seconds(Clock::now() - start);
  done = true;
  sampler.join();
  std::printf("%d calls, 2 at a time: %.2f s; at most %lld held by the backend at once\n",
              kCalls, elapsed, static_cast<long long>(max_held));
  EXPECT_EQ(ok.load(), kCalls);
  EXPECT_GE(max_held, 1);
  EXPECT_LE(max_held, 2);
  EXPECT_GE(elapsed, kCalls / 2 * kDelayMs / 1000.0);
}

// A backend that crashes and restarts on the same port takes traffic again within about a
// second, however long it was down (gRPC's own backoff grows towards 120 s).
TEST_F(Upstreams, RestartedBackendTakesTrafficAgainWithinSeconds) {
  auto backend = testutil::StartFakeModel("legacy");
  ASSERT_TRUE(backend.ok()) << backend.status();
  const int port = backend->port;
  StartProxy(testutil::LoopbackConfig({{"legacy", backend->address}}, kForwardToLegacy));
  ASSERT_EQ(Call(*stub_), "legacy");

  ASSERT_TRUE(backend->process.Signal(SIGKILL));
  ASSERT_TRUE(backend->process.WaitExit(std::chrono::seconds(10)).has_value());
  EXPECT_EQ(mg_->WaitForMetric(kConnected, 0), 0);
  // While the backend is down, a stand-in on its port fails every reconnect attempt and tells
  // the test when it happened; clients keep calling, as they would in production.
  auto stand_in = testutil::StandInListener::Bind(port);
  ASSERT_TRUE(stand_in.ok()) << stand_in.status();
  const Clock::time_point outage_start = Clock::now();
  std::optional<Clock::time_point> last_attempt;
  int attempts = 0;
  while (Clock::now() - outage_start < std::chrono::seconds(30)) {
    EXPECT_NE(Call(*stub_, std::chrono::milliseconds(500)), "legacy");
    if (stand_in->AcceptAndClose(std::chrono::milliseconds(50))) {
      ++attempts;
      last_attempt = Clock::now();
      // Restart right after an attempt once the outage is long enough for gRPC's default
      // backoff to have grown past 3 s (attempts at ~0, 1, 2.6, 5.2, 9.3 s).
      if (*last_attempt - outage_start >= std::chrono::milliseconds(3500)) break;
    }
  }
  ASSERT_TRUE(last_attempt.has_value()) << "no reconnect attempt during the outage";
  const double outage = Seconds(*last_attempt - outage_start);
  stand_in->Close();

  auto restarted = testutil::StartFakeModel("legacy", {absl::StrCat("--port=", port)});
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  const Clock::time_point listening = Clock::now();
  ASSERT_TRUE(testutil::PollUntil([&] { return Call(*stub_, std::chrono::seconds(1)) == "legacy"; },
                                  std::chrono::seconds(30), std::chrono::milliseconds(10)))
      << "the restarted backend never took traffic again";
  const Clock::time_point recovered = Clock::now();
  EXPECT_EQ(mg_->WaitForMetric(kConnected, 1), 1);
  std::printf(
      "outage %.2f s (%d reconnect attempts seen); first successful call %.2f s after the "
      "restarted backend listened, %.2f s after the last failed attempt\n",
      outage, attempts, Seconds(recovered - listening), Seconds(recovered - *last_attempt));
  EXPECT_LT(recovered - *last_attempt, std::chrono::seconds(3));
}

}  // namespace
}  // namespace modelgate
