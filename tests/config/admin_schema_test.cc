// The admin block: admin.token_file is optional, resolved relative to the config's directory
// (like every file the config names), and its errors carry file:line:column.
#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

using ::testing::ElementsAre;

// Line 2 is the admin block under test.
std::string WithAdmin(const std::string& admin) {
  return "listen: 127.0.0.1:8500\n"                                       // 1
         "admin: " + admin + "\n"                                         // 2
         "backends: [{name: legacy, address: 127.0.0.1:9001}]\n"          // 3
         "routes: [{name: r, strategy: forward, forward: {backend: legacy}}]\n";  // 4
}

TEST(AdminConfig, TokenFileIsOptional) {
  const LoadResult r = ParseConfig("/etc/modelgate/config.yaml",
                                   WithAdmin("{listen: 127.0.0.1:9901}"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config.admin.token_file, "");
}

TEST(AdminConfig, RelativeTokenFileIsRelativeToTheConfigDirectory) {
  const LoadResult r = ParseConfig("/etc/modelgate/config.yaml",
                                   WithAdmin("{listen: 127.0.0.1:9901, token_file: secret/token}"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config.admin.token_file, "/etc/modelgate/secret/token");
}

TEST(AdminConfig, AbsoluteTokenFileIsKept) {
  const LoadResult r =
      ParseConfig("/etc/modelgate/config.yaml",
                  WithAdmin("{listen: 127.0.0.1:9901, token_file: /etc/modelgate-secrets/token}"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config.admin.token_file, "/etc/modelgate-secrets/token");
}

TEST(AdminConfig, TokenFileNeedNotExistWhenTheConfigIsChecked) {
  // The Secret holding it is optional in deploy/base; the admin server refuses mutations
  // until the file appears.
  const LoadResult r = ParseConfig(
      "c.yaml", WithAdmin("{listen: 127.0.0.1:9901, token_file: /nonexistent/dir/token}"));
  EXPECT_TRUE(r.ok());
}

TEST(AdminConfig, RejectsEmptyOrNonScalarTokenFileAtItsPosition) {
  EXPECT_THAT(ParseConfig("c.yaml", WithAdmin("{listen: 127.0.0.1:9901, token_file: \"\"}")).errors,
              ElementsAre("c.yaml:2:45: admin.token_file: must name a file (omit the key to "
                          "refuse mutating admin requests)"));
  EXPECT_THAT(ParseConfig("c.yaml", WithAdmin("{listen: 127.0.0.1:9901, token_file: [a]}")).errors,
              ElementsAre("c.yaml:2:45: admin.token_file: must be a string (got a list)"));
  EXPECT_THAT(ParseConfig("c.yaml", WithAdmin("{listen: 127.0.0.1:9901, token_file: }")).errors,
              ElementsAre("c.yaml:2:33: admin.token_file: must be a string (got null)"));
}

TEST(AdminConfig, MisspelledTokenFileIsAnUnknownKeyWithASuggestion) {
  EXPECT_THAT(ParseConfig("c.yaml", WithAdmin("{listen: 127.0.0.1:9901, token_flie: t}")).errors,
              ElementsAre("c.yaml:2:33: admin.token_flie: unknown key \"token_flie\" (did you "
                          "mean \"token_file\"?)"));
}

}  // namespace
}  // namespace modelgate::config
