// Tests of modelgate-load as a process, run against a real modelgate-fake-model.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "modelgate/testing/echo.grpc.pb.h"
#include "testing/listening_process.h"
#include "testing/poll.h"

namespace modelgate::tools {
namespace {

using modelgate::testutil::BinaryPath;
using modelgate::testutil::ChildProcess;
using modelgate::testutil::ListeningProcess;
using modelgate::testutil::StartListening;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

struct LoadRun {
  std::optional<int> exit_code;
  std::string out;
};

LoadRun RunLoad(std::vector<std::string> flags) {
  flags.insert(flags.begin(), BinaryPath("modelgate-load"));
  auto child = ChildProcess::Spawn(flags);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return {};
  std::string out = child->ReadAllWithTimeout(milliseconds(60000)).value_or("");
  return {child->WaitExit(milliseconds(60000)), out};
}

nlohmann::json ParseJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << text;
  return j;
}

class LoadTest : public ::testing::Test {
 protected:
  void StartModel(std::vector<std::string> flags = {}) {
    std::vector<std::string> argv = {BinaryPath("modelgate-fake-model"), "--port=0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto model = StartListening(argv);
    ASSERT_TRUE(model.ok()) << model.status();
    model_.emplace(std::move(*model));
  }
  std::string target() const { return "--target=" + model_->address; }

  std::optional<ListeningProcess> model_;
};

TEST_F(LoadTest, RequestsRunReportsExactCountLatencyAndStickiness) {
  ASSERT_NO_FATAL_FAILURE(StartModel());
  LoadRun run = RunLoad({target(), "--requests=300", "--concurrency=8", "--json",
                     "--sticky_header=x-user", "--keys=20", "--seed=3"});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  nlohmann::json j = ParseJson(run.out);
  EXPECT_EQ(j["completed"], 300);
  EXPECT_EQ(j["ok"], 300);
  EXPECT_TRUE(j["errors"].empty());
  EXPECT_GT(j["qps"].get<double>(), 0);
  EXPECT_EQ(j["latency_quantiles"], "exact");
  const auto& lat = j["latency_ms"];
  EXPECT_GT(lat["p50"].get<double>(), 0);
  EXPECT_LE(lat["p50"].get<double>(), lat["p99"].get<double>());
  EXPECT_LE(lat["p99"].get<double>(), lat["max"].get<double>());
  // The fake model names no arm, so every call lands in "(none)" and no key has an arm.
  EXPECT_EQ(j["arms"], nlohmann::json({{"(none)", 300}}));
  const auto& sticky = j["sticky"];
  EXPECT_EQ(sticky["header"], "x-user");
  EXPECT_EQ(sticky["keys"], 20);
  EXPECT_EQ(sticky["keys_seen"], 20);  // 300 uniform draws from 20 keys (seeded).
  EXPECT_EQ(sticky["keys_with_arm"], 0);
  EXPECT_EQ(sticky["keys_multi_arm"], 0);
}

TEST_F(LoadTest, FailedCallsAreCountedByCodeAndStillExitZero) {
  ASSERT_NO_FATAL_FAILURE(StartModel({"--error_rate=1", "--error_code=RESOURCE_EXHAUSTED"}));
  LoadRun run = RunLoad({target(), "--requests=50", "--concurrency=4", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  nlohmann::json j = ParseJson(run.out);
  EXPECT_EQ(j["completed"], 50);
  EXPECT_EQ(j["ok"], 0);
  EXPECT_EQ(j["errors"], nlohmann::json({{"RESOURCE_EXHAUSTED", 50}}));
  EXPECT_TRUE(j["sticky"].is_null());
}

TEST_F(LoadTest, DurationRunWithWarmupMeasuresAboutTheDuration) {
  ASSERT_NO_FATAL_FAILURE(StartModel());
  LoadRun run = RunLoad({target(), "--duration=0.5", "--warmup=0.2", "--concurrency=4",
                     "--connections=2", "--minimal_stack", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  nlohmann::json j = ParseJson(run.out);
  EXPECT_GT(j["completed"].get<int64_t>(), 0);
  EXPECT_EQ(j["completed"], j["ok"]);
  EXPECT_GT(j["duration_s"].get<double>(), 0.4);
  EXPECT_LT(j["duration_s"].get<double>(), 2.0);
  EXPECT_EQ(j["connections"], 2);
}

TEST_F(LoadTest, DrivesEchoAndOtherMethods) {
  ASSERT_NO_FATAL_FAILURE(StartModel());
  for (const char* method :
       {"/modelgate.testing.Echo/Unary", "/inference.GRPCInferenceService/ServerLive"}) {
    LoadRun run = RunLoad({target(), "--requests=20", "--json", std::string("--method=") + method});
    ASSERT_EQ(run.exit_code, 0) << run.out;
    EXPECT_EQ(ParseJson(run.out)["ok"], 20) << method;
  }
}

TEST_F(LoadTest, BidiKeepsOneStreamPerSlotAndCountsMessages) {
  ASSERT_NO_FATAL_FAILURE(StartModel());
  LoadRun run = RunLoad({target(), "--bidi", "--requests=300", "--concurrency=4", "--json",
                         "--method=/modelgate.testing.Echo/Bidi", "--sticky_header=x-user",
                         "--keys=3"});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  nlohmann::json j = ParseJson(run.out);
  EXPECT_EQ(j["mode"], "bidi");
  EXPECT_EQ(j["completed"], 300);
  EXPECT_EQ(j["ok"], 300);
  EXPECT_TRUE(j["errors"].empty());
  EXPECT_EQ(j["arms"], nlohmann::json({{"(none)", 300}}));
  // 300 messages went through 4 streams: the backend saw 4 calls end, not 300.
  auto channel = grpc::CreateChannel(model_->address, grpc::InsecureChannelCredentials());
  auto echo = modelgate::testing::Echo::NewStub(channel);
  int64_t completed = 0;
  modelgate::testutil::PollUntil(
      [&] {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        modelgate::testing::CancelStats stats;
        if (!echo->Stats(&ctx, modelgate::testing::Empty(), &stats).ok()) return false;
        completed = stats.completed_calls();
        return completed >= 4;
      },
      milliseconds(10000));
  EXPECT_EQ(completed, 4);

  LoadRun text = RunLoad({target(), "--bidi", "--requests=10",
                          "--method=/modelgate.testing.Echo/Bidi"});
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_THAT(text.out, HasSubstr("completed     10 messages"));
  EXPECT_THAT(text.out, HasSubstr("1 bidi streams in flight"));
}

TEST_F(LoadTest, TextSummaryNamesTheNumbers) {
  ASSERT_NO_FATAL_FAILURE(StartModel());
  LoadRun run = RunLoad({target(), "--requests=10"});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, HasSubstr("completed     10 calls"));
  EXPECT_THAT(run.out, HasSubstr("p99"));
}

TEST(LoadFlags, UnreachableTargetExitsNonZero) {
  // Port 1 on loopback: privileged and never listened on in tests.
  LoadRun run = RunLoad({"--target=127.0.0.1:1", "--requests=5", "--connect_timeout_ms=300"});
  EXPECT_EQ(run.exit_code, 1);
}

TEST(LoadFlags, HelpExitsZero) {
  LoadRun run = RunLoad({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("--sticky_header"));
}

TEST(LoadFlags, BadFlagsExitTwo) {
  EXPECT_EQ(RunLoad({"--requests=1"}).exit_code, 2);  // No --target.
  EXPECT_EQ(RunLoad({"--target=x:1", "--concurrency=0"}).exit_code, 2);
  EXPECT_EQ(RunLoad({"--target=x:1", "--duration=1", "--requests=1"}).exit_code, 2);
  EXPECT_EQ(RunLoad({"--target=x:1", "--sticky_header=X-User"}).exit_code, 2);
  EXPECT_EQ(RunLoad({"--target=x:1", "--method=ModelInfer"}).exit_code, 2);
  EXPECT_EQ(RunLoad({"--target=x:1", "--bogus"}).exit_code, 2);
}

}  // namespace
}  // namespace modelgate::tools
