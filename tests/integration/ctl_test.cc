// `modelgate ctl` as a user runs it: the real binary against a real `modelgate serve`, its
// stdout and stderr merged (through /bin/sh), checking the exit code and the one-line messages.
// The canary endpoints are another issue's; reload and an unknown path exercise the wiring.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness.h"
#include "nlohmann/json.hpp"

namespace modelgate {
namespace {

using ::testing::HasSubstr;

struct CommandResult {
  std::optional<int> exit_code;
  std::string output;  // stdout and stderr
};

class CtlAgainstModelgate : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = testutil::StartFakeModel("model");
    ASSERT_TRUE(model.ok()) << model.status();
    model_.emplace(std::move(*model));
    token_path_ = dir_.Write("token", "s3cret\n");
    const std::string config = dir_.Write(
        "config.yaml",
        testutil::LoopbackConfig({{"legacy", model_->address}},
                                 "routes:\n  - {name: echo, strategy: forward, forward: "
                                 "{backend: legacy}}\n",
                                 "token_file: token"));
    auto mg = testutil::Modelgate::Start(config);
    ASSERT_TRUE(mg.ok()) << mg.status();
    mg_ = std::move(*mg);
    admin_url_ = absl::StrCat("http://127.0.0.1:", mg_->admin_port());
  }

  // Runs `env... modelgate ctl args...` through sh so that stderr is captured too.
  CommandResult Ctl(const std::string& env, const std::string& args) {
    const std::string command =
        absl::StrCat(env, " '", testutil::BinaryPath("modelgate"), "' ctl ", args, " 2>&1");
    auto child = testutil::ChildProcess::Spawn({"/bin/sh", "-c", command});
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return {};
    CommandResult r;
    auto out = child->ReadAllWithTimeout(std::chrono::seconds(20));
    if (out.ok()) r.output = *out;
    r.exit_code = child->WaitExit(std::chrono::seconds(20));
    return r;
  }

  testutil::TempDir dir_;
  std::string token_path_;
  std::string admin_url_;
  std::optional<testutil::ListeningProcess> model_;
  std::unique_ptr<testutil::Modelgate> mg_;
};

TEST_F(CtlAgainstModelgate, ReloadWithTheTokenFromTheEnvironmentPrintsTheAnswer) {
  const CommandResult r = Ctl(absl::StrCat("MODELGATE_ADMIN=", admin_url_,
                                           " MODELGATE_TOKEN_FILE='", token_path_, "'"),
                              "reload");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(nlohmann::json::parse(r.output, nullptr, false).is_discarded()) << r.output;
}

TEST_F(CtlAgainstModelgate, WrongTokenExitsOneAndPointsAtTheTokenFile) {
  const std::string wrong = dir_.Write("wrong", "nope");
  const CommandResult r =
      Ctl("", absl::StrCat("--admin ", admin_url_, " --token-file '", wrong, "' reload"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, absl::StrCat("modelgate ctl: reload: the admin rejected the token: check "
                                   "--token-file ",
                                   wrong, " (invalid bearer token)\n"));
}

TEST_F(CtlAgainstModelgate, UnknownRouteExitsOneWithTheServersMessage) {
  const CommandResult r = Ctl("", absl::StrCat("--admin=", admin_url_, " status ghost"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("modelgate ctl: status ghost: not found: "));
}

TEST_F(CtlAgainstModelgate, BadUsageExitsTwo) {
  const CommandResult r = Ctl("", "step echo");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("Usage: modelgate ctl"));
}

}  // namespace
}  // namespace modelgate
