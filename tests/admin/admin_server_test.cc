// AdminServer wired to a real in-process ProxyServer: the probes follow the proxy's state and
// the listener_problem hook (faked here; main.cc wires the gRPC listener's self-check).
#include "admin/admin_server.h"

#include <atomic>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "config/loader.h"
#include "gtest/gtest.h"
#include "strategies/compile.h"
#include "nlohmann/json.hpp"
#include "proxy/server.h"
#include "telemetry/metrics.h"
#include "testing/raw_http.h"

namespace modelgate::admin {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kWait(10'000);

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::LoadResult loaded = config::ParseConfig(
        "c.yaml",
        "listen: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\n"
        "backends: [{name: b, address: 127.0.0.1:1}]\n"
        "routes: [{name: r, strategy: forward, forward: {backend: b}}]\n");
    ASSERT_TRUE(loaded.ok());
    auto proxy = proxy::ProxyServer::Start(loaded.config, &metrics_, [] {
      proxy::SnapshotHooks hooks;
      hooks.compile = [](const config::Config& c) { return strategies::CompileRoutes(c); };
      return hooks;
    }());
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
    AdminHooks hooks;
    hooks.listener_problem = [this]() -> std::optional<std::string> {
      absl::MutexLock lock(&mu_);
      return problem_;
    };
    auto admin = AdminServer::Start("127.0.0.1:0", &metrics_, proxy_.get(), std::move(hooks));
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = std::move(*admin);
  }
  void TearDown() override {
    if (admin_) admin_->Stop();
    if (proxy_) proxy_->Shutdown();
  }
  testutil::RawResponse Get(const std::string& path) {
    auto r = testutil::RawRequest(admin_->port(),
                                  "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n", kWait);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(testutil::RawResponse{});
  }
  void SetProblem(std::optional<std::string> p) {
    absl::MutexLock lock(&mu_);
    problem_ = std::move(p);
  }

  telemetry::Metrics metrics_;
  std::unique_ptr<proxy::ProxyServer> proxy_;
  std::unique_ptr<AdminServer> admin_;
  absl::Mutex mu_;
  std::optional<std::string> problem_ ABSL_GUARDED_BY(mu_);
};

TEST_F(AdminServerTest, ProbesAreOkWhileTheProxyServes) {
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
}

TEST_F(AdminServerTest, AListenerProblemFailsBothProbesWithItsReason) {
  SetProblem("gRPC listener stopped accepting: Too many open files");
  for (const char* probe : {"/healthz", "/readyz"}) {
    const testutil::RawResponse r = Get(probe);
    EXPECT_EQ(r.status, 503) << probe;
    EXPECT_NE(r.body.find("gRPC listener stopped accepting: Too many open files"),
              std::string::npos)
        << probe << ": " << r.body;
  }
  SetProblem(std::nullopt);
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
}

TEST_F(AdminServerTest, ADrainingProxyIsAliveButNotReady) {
  proxy_->Shutdown();
  EXPECT_EQ(Get("/healthz").status, 200);
  const testutil::RawResponse r = Get("/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("not ready"), std::string::npos);
}

TEST_F(AdminServerTest, ServesTheRunningConfigWithoutATokenFile) {
  const testutil::RawResponse r = Get("/api/v1/config");
  EXPECT_EQ(r.status, 200);
  const nlohmann::json config = nlohmann::json::parse(r.body);
  EXPECT_EQ(config["generation"], 1);
  EXPECT_EQ(config["routes"][0]["name"], "r");
  EXPECT_TRUE(config["admin"]["token_file"].is_null());
}

TEST_F(AdminServerTest, MutationsAreRefusedWithoutATokenFile) {
  auto r = testutil::RawRequest(admin_->port(),
                                "POST /api/v1/reload HTTP/1.1\r\nHost: t\r\n"
                                "Authorization: Bearer guess\r\n\r\n",
                                kWait);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("admin.token_file"), std::string::npos) << r->body;
}

TEST_F(AdminServerTest, TheStatusPageIsOpenAndSelfContained) {
  const testutil::RawResponse r = Get("/ui");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
  // The page may talk to this port only, and loads no script or style from anywhere.
  EXPECT_NE(r.Header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(r.body.find("/api/v1/ui/state"), std::string::npos);
  EXPECT_EQ(r.body.find("@SCRIPT@"), std::string::npos) << "app.js was not inlined";
  EXPECT_EQ(r.body.find("@STYLE@"), std::string::npos) << "style.css was not inlined";
  EXPECT_EQ(r.body.find("<script src"), std::string::npos);
  EXPECT_EQ(r.body.find("rel=\"stylesheet\""), std::string::npos);
}

TEST_F(AdminServerTest, TheUiStateListsEveryRouteWithItsStrategyAndHistory) {
  const testutil::RawResponse r = Get("/api/v1/ui/state");
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json state = nlohmann::json::parse(r.body);
  ASSERT_EQ(state["routes"].size(), 1u) << r.body;
  EXPECT_EQ(state["routes"][0]["name"], "r");
  EXPECT_EQ(state["routes"][0]["strategy"], "forward");
  EXPECT_EQ(state["routes"][0]["arms"][0]["name"], "b");
  EXPECT_EQ(state["routes"][0]["arms"][0]["calls"], 0);
  EXPECT_TRUE(state["routes"][0]["history"].is_object());
  EXPECT_EQ(state["history"]["interval_seconds"], 5);
  EXPECT_EQ(state["history"]["capacity"], 180);
  EXPECT_TRUE(state["routes"][0]["stats"].is_null());
}

}  // namespace
}  // namespace modelgate::admin
