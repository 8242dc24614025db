// Config reload through a real process: a new config swaps in without dropping an in-flight
// call; a bad one is rejected, counted and changes nothing; a Kubernetes-style ConfigMap update
// (the kubelet's ..data symlink swap) is picked up; SIGHUP and POST /api/v1/reload work too.
#include <grpcpp/client_context.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "modelgate/testing/echo.grpc.pb.h"

namespace modelgate {
namespace {

using modelgate::testing::Echo;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;

constexpr char kToken[] = "reload-test-token";

// POST /api/v1/reload needs the bearer token in admin.token_file (written by the fixture).
std::string Config(const std::string& legacy, const std::string& candidate,
                   const std::string& target) {
  return testutil::LoopbackConfig({{"legacy", legacy}, {"candidate", candidate}}, R"(
routes:
  - name: echo
    strategy: forward
    forward: {backend: )" + target + "}\n",
                                  "token_file: token");
}

constexpr char kGeneration1[] = "modelgate_config_info{generation=\"1\"";
constexpr char kReloadOk[] = R"(modelgate_config_reload_total{result="success"})";
constexpr char kReloadError[] = R"(modelgate_config_reload_total{result="error"})";

class Reload : public ::testing::Test {
 protected:
  void SetUp() override {
    auto legacy = testutil::StartFakeModel("legacy");
    auto candidate = testutil::StartFakeModel("candidate");
    ASSERT_TRUE(legacy.ok() && candidate.ok());
    legacy_.emplace(std::move(*legacy));
    candidate_.emplace(std::move(*candidate));
    dir_.Write("token", std::string(kToken) + "\n");
  }
  std::string ConfigFor(const std::string& target) {
    return Config(legacy_->address, candidate_->address, target);
  }
  void StartProxy(const std::string& path) {
    auto mg = testutil::Modelgate::Start(path);
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
    stub_ = Echo::NewStub(mg_->NewChannel());
  }
  // Which backend answers an Echo call now.
  std::string ServedBy(int delay_ms = 0) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    EchoRequest req;
    req.set_delay_ms(delay_ms);
    EchoResponse resp;
    grpc::Status s = stub_->Unary(&ctx, req, &resp);
    return s.ok() ? resp.server_name() : absl::StrCat("error: ", s.error_message());
  }
  bool HasSeries(const std::string& prefix) {
    return mg_->Get("/metrics").body.find(prefix) != std::string::npos;
  }

  testutil::TempDir dir_;
  std::optional<testutil::ListeningProcess> legacy_, candidate_;
  std::unique_ptr<testutil::Modelgate> mg_;
  std::unique_ptr<Echo::Stub> stub_;
};

TEST_F(Reload, FileChangeSwapsRoutesWithoutDroppingTheCallInFlight) {
  const std::string path = dir_.Write("config.yaml", ConfigFor("legacy"));
  StartProxy(path);
  ASSERT_EQ(ServedBy(), "legacy");
  std::string slow;
  std::thread in_flight([&] { slow = ServedBy(1500); });
  ASSERT_EQ(mg_->WaitForMetric(R"(modelgate_inflight_requests{route="echo"})", 1), 1);
  dir_.Write("config.yaml", ConfigFor("candidate"));  // atomic rename, like an editor
  EXPECT_EQ(mg_->WaitForMetric(kReloadOk, 1), 1);
  EXPECT_EQ(ServedBy(), "candidate");
  in_flight.join();
  EXPECT_EQ(slow, "legacy");  // the call that started before the swap finished where it began
  EXPECT_FALSE(HasSeries(kGeneration1));
  EXPECT_TRUE(HasSeries("modelgate_config_info{generation=\"2\""));
}

TEST_F(Reload, BadConfigIsRejectedCountedAndChangesNothing) {
  const std::string path = dir_.Write("config.yaml", ConfigFor("legacy"));
  StartProxy(path);
  dir_.Write("config.yaml", ConfigFor("nonexistent-backend"));
  EXPECT_EQ(mg_->WaitForMetric(kReloadError, 1), 1);
  EXPECT_EQ(ServedBy(), "legacy");
  EXPECT_TRUE(HasSeries(kGeneration1));
  auto api = mg_->Post("/api/v1/reload", kToken);
  EXPECT_EQ(api.status, 400);
  EXPECT_NE(api.body.find("routes[0].forward.backend"), std::string::npos) << api.body;
  EXPECT_EQ(mg_->Metric(kReloadError), 2);
}

TEST_F(Reload, KubernetesConfigMapSymlinkSwapIsPickedUp) {
  // The kubelet's layout: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>.
  namespace fs = std::filesystem;
  const fs::path root(dir_.path());
  fs::create_directory(root / "..2026_11_27_01");
  std::ofstream(root / "..2026_11_27_01" / "config.yaml") << ConfigFor("legacy");
  fs::create_directory_symlink("..2026_11_27_01", root / "..data");
  fs::create_symlink("..data/config.yaml", root / "config.yaml");
  StartProxy((root / "config.yaml").string());
  ASSERT_EQ(ServedBy(), "legacy");
  // An update: new timestamped dir, a ..data_tmp symlink renamed over ..data, old dir removed.
  fs::create_directory(root / "..2026_11_27_02");
  std::ofstream(root / "..2026_11_27_02" / "config.yaml") << ConfigFor("candidate");
  fs::create_directory_symlink("..2026_11_27_02", root / "..data_tmp");
  fs::rename(root / "..data_tmp", root / "..data");
  fs::remove_all(root / "..2026_11_27_01");
  EXPECT_EQ(mg_->WaitForMetric(kReloadOk, 1), 1);
  EXPECT_EQ(ServedBy(), "candidate");
}

TEST_F(Reload, SighupAndAdminApiReloadAndUnchangedFilesAreNoOps) {
  const std::string path = dir_.Write("config.yaml", ConfigFor("legacy"));
  StartProxy(path);
  auto unchanged = mg_->Post("/api/v1/reload", kToken);
  EXPECT_EQ(unchanged.status, 200);
  EXPECT_NE(unchanged.body.find("unchanged"), std::string::npos) << unchanged.body;
  // Write the new file in place (no rename), then signal: both the watcher and SIGHUP may
  // notice; either way exactly one reload succeeds because the second sees the same hash.
  { std::ofstream(path, std::ios::trunc) << ConfigFor("candidate"); }
  ASSERT_TRUE(mg_->process().Signal(SIGHUP));
  EXPECT_EQ(mg_->WaitForMetric(kReloadOk, 1), 1);
  EXPECT_EQ(ServedBy(), "candidate");
  auto api = mg_->Get("/api/v1/config");
  EXPECT_EQ(api.status, 200);
  EXPECT_NE(api.body.find("\"generation\": 2"), std::string::npos) << api.body;
}

TEST_F(Reload, RestartOnlySettingsKeepTheirRunningValues) {
  const std::string path = dir_.Write("config.yaml", ConfigFor("legacy"));
  StartProxy(path);
  std::string changed = absl::StrReplaceAll(ConfigFor("candidate"),
                                            {{"listen: 127.0.0.1:0\nadmin", "listen: 127.0.0.1:1\nadmin"}});
  dir_.Write("config.yaml", changed);
  EXPECT_EQ(mg_->WaitForMetric(kReloadOk, 1), 1);
  EXPECT_EQ(ServedBy(), "candidate");  // routes applied; the listener stayed where it was
}

// access_log follows reloads: turned on, moved to another file, turned off; each call's line is
// in the file its config named, and nothing is lost or written twice.
TEST_F(Reload, AccessLogIsTurnedOnMovedAndOffByReloads) {
  const std::string path = dir_.Write("config.yaml", ConfigFor("legacy"));
  StartProxy(path);
  auto reload_with = [&](const std::string& extra, double reloads) {
    dir_.Write("config.yaml", ConfigFor("legacy") + extra);
    ASSERT_EQ(mg_->WaitForMetric(kReloadOk, reloads), reloads);
  };
  auto calls = [&](int n) {
    for (int i = 0; i < n; ++i) ASSERT_EQ(ServedBy(), "legacy");
  };
  calls(1);  // no access log yet
  ASSERT_NO_FATAL_FAILURE(reload_with("access_log: {path: a.log}\n", 1));
  calls(3);
  ASSERT_NO_FATAL_FAILURE(reload_with("access_log: {path: b.log, max_files: 2}\n", 2));
  calls(2);
  ASSERT_NO_FATAL_FAILURE(reload_with("", 3));
  calls(4);
  // A clean exit writes what is queued.
  ASSERT_TRUE(mg_->process().Signal(SIGTERM));
  ASSERT_EQ(mg_->process().WaitExit(std::chrono::seconds(30)), 0);
  EXPECT_EQ(testutil::ReadLines(dir_.path() + "/a.log").size(), 3u);
  EXPECT_EQ(testutil::ReadLines(dir_.path() + "/b.log").size(), 2u);
}

}  // namespace
}  // namespace modelgate
