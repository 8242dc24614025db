// The command line: check-config prints every error as FILE:LINE:COL: key: message and exits
// 1 (0 when valid); every binary answers --help with exit 0 and rejects unknown input.
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "integration/harness.h"

namespace modelgate {
namespace {

struct CommandResult {
  std::optional<int> exit_code;
  std::string out;
};

CommandResult Execute(const std::vector<std::string>& argv) {
  auto child = testutil::ChildProcess::Spawn(argv);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return {};
  CommandResult r;
  auto out = child->ReadAllWithTimeout(std::chrono::seconds(20));
  if (out.ok()) r.out = *out;
  r.exit_code = child->WaitExit(std::chrono::seconds(20));
  return r;
}

TEST(CheckConfig, ValidExamplesExitZero) {
  CommandResult r = Execute({testutil::BinaryPath("modelgate"), "check-config",
                   std::string(MODELGATE_SOURCE_DIR) + "/config/ab.yaml",
                   std::string(MODELGATE_SOURCE_DIR) + "/config/demo.yaml",
                   std::string(MODELGATE_SOURCE_DIR) + "/config/canary-demo.yaml",
                   std::string(MODELGATE_SOURCE_DIR) + "/config/shadow-demo.yaml",
                   std::string(MODELGATE_SOURCE_DIR) + "/config/interleave-demo.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* file : {"/ab.yaml: OK", "/demo.yaml: OK", "canary-demo.yaml: OK",
                           "shadow-demo.yaml: OK", "interleave-demo.yaml: OK"}) {
    EXPECT_NE(r.out.find(file), std::string::npos) << file << "\n" << r.out;
  }
}

TEST(CheckConfig, EveryErrorIsPrintedWithFileLineColumnAndKey) {
  testutil::TempDir dir;
  const std::string path = dir.Write("bad.yaml", R"(listen: 127.0.0.1:8500
admin: {listen: 127.0.0.1:9901}
backends:
  - {name: legacy, address: 127.0.0.1:9001}
routes:
  - name: predict
    strategy: ab
    ab:
      arms:
        - {backend: legacy, weight: -1}
        - {backend: ghost, weight: 1}
      sticky_haeder: x-user-id
)");
  CommandResult r = Execute({testutil::BinaryPath("modelgate"), "check-config", path});
  EXPECT_EQ(r.exit_code, 1);
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_TRUE(absl::StartsWith(lines[0], path + ":10:37: routes[0].ab.arms[0].weight: ")) << lines[0];
  EXPECT_TRUE(absl::StartsWith(lines[1], path + ":11:21: routes[0].ab.arms[1].backend: ")) << lines[1];
  EXPECT_TRUE(absl::StartsWith(lines[2], path + ":12:7: routes[0].ab.sticky_haeder: ")) << lines[2];
  EXPECT_NE(lines[2].find("did you mean \"sticky_header\""), std::string::npos) << lines[2];
}

TEST(CheckConfig, MissingFileIsAnErrorWithoutPosition) {
  CommandResult r = Execute({testutil::BinaryPath("modelgate"), "check-config", "/nonexistent/x.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StartsWith(r.out, "/nonexistent/x.yaml: ")) << r.out;
}

TEST(Cli, EveryBinaryHasHelpAndRejectsUnknownInput) {
  for (const char* bin : {"modelgate", "modelgate-fake-model", "modelgate-load"}) {
    CommandResult help = Execute({testutil::BinaryPath(bin), "--help"});
    EXPECT_EQ(help.exit_code, 0) << bin;
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << bin << ": " << help.out;
    CommandResult bad = Execute({testutil::BinaryPath(bin), "--no-such-flag"});
    EXPECT_NE(bad.exit_code, 0) << bin;
  }
  CommandResult unknown = Execute({testutil::BinaryPath("modelgate"), "frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
}

}  // namespace
}  // namespace modelgate
