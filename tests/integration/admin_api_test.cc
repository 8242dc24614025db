// The admin API through a real `modelgate serve`: reload is a mutation (bearer token from
// admin.token_file, rotated like a Kubernetes Secret), reads stay open, GET /api/v1/config
// shows what a reload changed, and errors say what was wrong (404/405/401/403 with JSON).
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "nlohmann/json.hpp"
#include "testing/raw_http.h"

namespace modelgate {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kWait(10'000);

// `curl -X POST URL` (with -H for the token): no body and no Content-Length.
std::string BarePost(const std::string& path, const std::string& authorization = "") {
  return absl::StrCat("POST ", path, " HTTP/1.1\r\nHost: admin\r\nUser-Agent: curl/7.88.1\r\n",
                      authorization.empty() ? "" : "Authorization: " + authorization + "\r\n",
                      "Accept: */*\r\n\r\n");
}

class AdminApi : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = testutil::StartFakeModel("model");
    ASSERT_TRUE(model.ok()) << model.status();
    model_.emplace(std::move(*model));
  }
  // Two backends (one server is enough: only the config is looked at), one route to `target`.
  std::string ConfigFor(const std::string& target, const std::string& admin_extra) {
    return testutil::LoopbackConfig(
        {{"legacy", model_->address}, {"candidate", model_->address}},
        "routes:\n  - {name: echo, strategy: forward, forward: {backend: " + target + "}}\n",
        admin_extra);
  }
  // The config is a symlink into another directory, so that rewriting it does not wake the
  // directory watcher: only POST /api/v1/reload can apply the change.
  void StartWithConfigElsewhere(const std::string& admin_extra) {
    const std::string real = files_.Write("config.yaml", ConfigFor("legacy", admin_extra));
    config_path_ = dir_.path() + "/config.yaml";
    fs::create_symlink(real, config_path_);
    Start(config_path_);
  }
  void Start(const std::string& path) {
    auto mg = testutil::Modelgate::Start(path);
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
  }
  testutil::RawResponse Send(const std::string& request) {
    auto r = testutil::RawRequest(mg_->admin_port(), request, kWait);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(testutil::RawResponse{});
  }
  json Config() { return json::parse(mg_->Get("/api/v1/config").body); }
  std::string PostWith(const std::string& token) {
    return BarePost("/api/v1/reload", "Bearer " + token);
  }

  testutil::TempDir dir_;    // the config's directory (watched)
  testutil::TempDir files_;  // where its symlink points
  std::string config_path_;
  std::optional<testutil::ListeningProcess> model_;
  std::unique_ptr<testutil::Modelgate> mg_;
};

TEST_F(AdminApi, ReloadWithoutABodyWorksOnlyWithTheToken) {
  dir_.Write("token", "s3cret-token\n");
  StartWithConfigElsewhere("token_file: token");  // relative to the config's directory
  json before = Config();
  ASSERT_EQ(before["generation"], 1);
  ASSERT_EQ(before["routes"][0]["arms"][0]["backend"], "legacy");
  files_.Write("config.yaml", ConfigFor("candidate", "token_file: token"));

  for (const std::string& request :
       {BarePost("/api/v1/reload"), PostWith("wrong-token"), PostWith("s3cret-toke"),
        BarePost("/api/v1/reload", "Basic czNjcmV0LXRva2Vu")}) {
    const testutil::RawResponse refused = Send(request);
    EXPECT_EQ(refused.status, 401) << request;
    EXPECT_EQ(refused.Header("www-authenticate").rfind("Bearer", 0), 0u) << request;
    EXPECT_EQ(refused.Header("content-type"), "application/json");
  }
  EXPECT_EQ(Config()["generation"], 1);  // nothing was reloaded
  EXPECT_EQ(Config()["routes"][0]["arms"][0]["backend"], "legacy");
  EXPECT_LE(mg_->Metric(R"(modelgate_config_reload_total{result="success"})"), 0);

  const testutil::RawResponse ok = Send(PostWith("s3cret-token"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["result"], "success");
  const json after = Config();
  EXPECT_EQ(after["generation"], 2);
  EXPECT_NE(after["hash"], before["hash"]);
  EXPECT_EQ(after["routes"][0]["arms"][0]["backend"], "candidate");
  EXPECT_EQ(after["routes"][0]["arms"][0]["address"], model_->address);
  EXPECT_EQ(after["admin"]["token_file"], dir_.path() + "/token");
  EXPECT_EQ(mg_->Get("/api/v1/config").body.find("s3cret"), std::string::npos);
}

TEST_F(AdminApi, WithoutATokenFileMutationsAreRefusedAndSayHowToEnableThem) {
  StartWithConfigElsewhere("");
  files_.Write("config.yaml", ConfigFor("candidate", ""));
  const testutil::RawResponse r = Send(PostWith("anything"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("set admin.token_file"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Config()["generation"], 1);
  EXPECT_EQ(mg_->Get("/metrics").status, 200);  // reads stay open
}

TEST_F(AdminApi, TheTokenFollowsAKubernetesSecretRotation) {
  // The kubelet's layout for a Secret mounted as a directory.
  const fs::path secrets = fs::path(dir_.path()) / "secrets";
  fs::create_directory(secrets);
  fs::create_directory(secrets / "..2026_12_01");
  std::ofstream(secrets / "..2026_12_01" / "token") << "old-token\n";
  fs::create_directory_symlink("..2026_12_01", secrets / "..data");
  fs::create_symlink("..data/token", secrets / "token");
  const std::string path = dir_.Write(
      "config.yaml", ConfigFor("legacy", "token_file: " + (secrets / "token").string()));
  Start(path);
  EXPECT_EQ(Send(PostWith("old-token")).status, 200);

  fs::create_directory(secrets / "..2026_12_02");
  std::ofstream(secrets / "..2026_12_02" / "token") << "new-token\n";
  fs::create_directory_symlink("..2026_12_02", secrets / "..data_tmp");
  fs::rename(secrets / "..data_tmp", secrets / "..data");
  fs::remove_all(secrets / "..2026_12_01");
  EXPECT_EQ(Send(PostWith("old-token")).status, 401);
  EXPECT_EQ(Send(PostWith("new-token")).status, 200);
}

TEST_F(AdminApi, AnEmptyTokenFileRefusesMutationsAndTheProcessCarriesOn) {
  dir_.Write("token", "\n");
  Start(dir_.Write("config.yaml", ConfigFor("legacy", "token_file: token")));
  const testutil::RawResponse r = Send(PostWith(""));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("is empty"), std::string::npos) << r.body;
  EXPECT_EQ(mg_->Get("/healthz").status, 200);
  dir_.Write("token", "now-set\n");  // a fixed Secret needs no restart
  EXPECT_EQ(Send(PostWith("now-set")).status, 200);
}

TEST_F(AdminApi, UnknownPathsAndWrongMethodsSayWhatWasWrong) {
  Start(dir_.Write("config.yaml", ConfigFor("legacy", "")));
  const testutil::RawResponse missing = Send("GET /api/v1/nope HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"], "no admin endpoint at /api/v1/nope");
  const testutil::RawResponse wrong = Send("DELETE /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("allow"), "GET, HEAD");
  const testutil::RawResponse get_reload = Send("GET /api/v1/reload HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(get_reload.status, 405);
  EXPECT_EQ(get_reload.Header("allow"), "POST");
}

TEST_F(AdminApi, RouteStatsTellAMissingRouteFromOneWithoutAMonitor) {
  Start(dir_.Write("config.yaml", ConfigFor("legacy", "")));
  const testutil::RawResponse nope =
      Send("GET /api/v1/routes/nope/stats HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(nope.status, 404);
  EXPECT_EQ(json::parse(nope.body)["error"], "route \"nope\" does not exist");
  EXPECT_EQ(json::parse(nope.body)["routes"], json({"echo"}));
  const testutil::RawResponse echo =
      Send("GET /api/v1/routes/echo/stats HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(echo.status, 404);
  EXPECT_NE(json::parse(echo.body)["error"].get<std::string>().find("has no monitor"),
            std::string::npos)
      << echo.body;
}

}  // namespace
}  // namespace modelgate
