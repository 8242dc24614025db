// modelgate's logs through a real process, read from its stderr: --log_format json writes one
// parseable object per line; a backend going away and coming back is logged; calls shed under
// overload are logged at most about once a second whatever their rate; a broken config that
// keeps being re-read has its errors logged once.
#include <grpcpp/client_context.h>
#include <signal.h>


#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "modelgate/testing/echo.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace modelgate {
namespace {

using modelgate::testing::Echo;
using modelgate::testing::EchoRequest;
using modelgate::testing::EchoResponse;
using Clock = std::chrono::steady_clock;

std::string Config(const std::string& backend, const std::string& proxy = "") {
  return testutil::LoopbackConfig({{"legacy", backend}}, proxy + R"(
routes:
  - name: echo
    strategy: forward
    forward: {backend: legacy}
)");
}

grpc::Status Call(Echo::Stub& stub, int delay_ms = 0) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  EchoRequest req;
  req.set_delay_ms(delay_ms);
  EchoResponse resp;
  return stub.Unary(&ctx, req, &resp);
}

class Logs : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = testutil::StartFakeModel("legacy");
    ASSERT_TRUE(b.ok()) << b.status();
    backend_.emplace(std::move(*b));
  }
  void StartProxy(const std::string& yaml, std::vector<std::string> args = {}) {
    config_path_ = dir_.Write("config.yaml", yaml);
    auto mg = testutil::Modelgate::Start(config_path_, {.extra_args = std::move(args),
                                                        .stderr_path = log_path_});
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
    stub_ = Echo::NewStub(mg_->NewChannel());
  }
  std::vector<std::string> Lines() const { return testutil::ReadLines(log_path_); }
  int CountLines(const std::string& text) const {
    int n = 0;
    for (const std::string& line : Lines()) n += absl::StrContains(line, text) ? 1 : 0;
    return n;
  }
  bool WaitForLine(const std::string& text) const {
    return testutil::PollUntil([&] { return CountLines(text) > 0; }, std::chrono::seconds(15));
  }

  testutil::TempDir dir_;
  const std::string log_path_ = dir_.path() + "/stderr.log";
  std::string config_path_;
  std::optional<testutil::ListeningProcess> backend_;
  std::unique_ptr<testutil::Modelgate> mg_;
  std::unique_ptr<Echo::Stub> stub_;
};

TEST_F(Logs, JsonFormatWritesOneObjectPerLineIncludingBackendOutageAndRecovery) {
  StartProxy(Config(backend_->address), {"--log_format", "json"});
  ASSERT_TRUE(Call(*stub_).ok());
  const int port = backend_->port;
  backend_.reset();  // killed
  ASSERT_TRUE(WaitForLine("is unreachable"));
  auto restarted = testutil::StartFakeModel("legacy", {absl::StrCat("--port=", port)});
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  ASSERT_TRUE(WaitForLine("is reachable again"));
  ASSERT_TRUE(mg_->process().Signal(SIGTERM));
  ASSERT_EQ(mg_->process().WaitExit(std::chrono::seconds(20)), 0);

  const std::vector<std::string> lines = Lines();
  ASSERT_FALSE(lines.empty());
  std::vector<std::string> messages;
  for (const std::string& line : lines) {
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << line;
    ASSERT_TRUE(j.is_object()) << line;
    for (const char* key : {"time", "level", "file", "line", "msg"}) {
      EXPECT_TRUE(j.contains(key)) << key << " missing in " << line;
    }
    messages.push_back(j.value("msg", ""));
  }
  const auto logged = [&](const std::string& text) {
    for (const std::string& m : messages)
      if (absl::StrContains(m, text)) return true;
    return false;
  };
  EXPECT_TRUE(logged(absl::StrCat("backend \"legacy\" (127.0.0.1:", port, ") is unreachable")));
  EXPECT_TRUE(logged(absl::StrCat("backend \"legacy\" (127.0.0.1:", port,
                                  ") is reachable again after")));
  EXPECT_TRUE(logged("1 of 1 backends connected"));
  EXPECT_TRUE(logged("stopped"));
}

TEST_F(Logs, ShedCallsAreLoggedAboutOnceASecondWhateverTheirRate) {
  StartProxy(Config(backend_->address, "proxy: {max_inflight_calls: 1}\n"));
  grpc::Status held;
  std::thread holder([&] { held = Call(*stub_, /*delay_ms=*/5000); });
  ASSERT_EQ(mg_->WaitForMetric(R"(modelgate_inflight_requests{route="echo"})", 1), 1);
  // Shed for a bit over two seconds, as fast as one client can call.
  const Clock::time_point start = Clock::now();
  int shed = 0;
  while (Clock::now() - start < std::chrono::milliseconds(2200)) {
    grpc::Status s = Call(*stub_);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
    ++shed;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  holder.join();
  EXPECT_TRUE(held.ok()) << held.error_message();
  const int lines = CountLines("overloaded: shedding calls");
  std::printf("%d calls shed in %.1f s -> %d log lines\n", shed, seconds, lines);
  EXPECT_GE(lines, 2);
  EXPECT_LE(lines, static_cast<int>(seconds) + 2);
  EXPECT_EQ(CountLines("similar suppressed)"), lines - 1);  // each later line counts the rest
  EXPECT_EQ(mg_->Metric("modelgate_overload_rejections_total"), shed);
}

TEST_F(Logs, ABrokenConfigReadAgainAndAgainHasItsErrorsLoggedOnce) {
  StartProxy(Config(backend_->address));
  dir_.Write("config.yaml", Config(backend_->address) + "bogus_key: 1\n");
  ASSERT_EQ(mg_->WaitForMetric(R"(modelgate_config_reload_total{result="error"})", 1), 1);
  for (int i = 0; i < 5; ++i) {
    const double before = mg_->Metric(R"(modelgate_config_reload_total{result="error"})");
    ASSERT_TRUE(mg_->process().Signal(SIGHUP));
    EXPECT_TRUE(testutil::PollUntil(
        [&] { return mg_->Metric(R"(modelgate_config_reload_total{result="error"})") > before; },
        std::chrono::seconds(10)));
  }
  EXPECT_GE(mg_->Metric(R"(modelgate_config_reload_total{result="error"})"), 6);
  EXPECT_EQ(CountLines("bogus_key: unknown key"), 1);
  EXPECT_EQ(CountLines("rejected again"), 1);  // one reminder a minute at most
  // A different error is news again.
  dir_.Write("config.yaml", Config(backend_->address) + "another_bogus_key: 1\n");
  EXPECT_TRUE(WaitForLine("another_bogus_key: unknown key"));
  EXPECT_EQ(CountLines("bogus_key: unknown key"), 2);
  EXPECT_TRUE(Call(*stub_).ok());  // the running config stayed
}

}  // namespace
}  // namespace modelgate
