// The access_log block: off by default, defaults, the path relative to the config's directory,
// and every error with file:line:column and the key.
#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

using ::testing::ElementsAre;

// Lines 1-4 are valid; the access_log block starts at line 5.
std::string WithAccessLog(const std::string& block) {
  return "listen: 127.0.0.1:8500\n"                                               // 1
         "admin: {listen: 127.0.0.1:9901}\n"                                      // 2
         "backends: [{name: legacy, address: 127.0.0.1:9001}]\n"                  // 3
         "routes: [{name: r, strategy: forward, forward: {backend: legacy}}]\n"   // 4
         "access_log:" + block;                                                   // 5...
}

std::vector<std::string> Errors(const std::string& block) {
  return ParseConfig("c.yaml", WithAccessLog(block)).errors;
}

TEST(AccessLogConfig, IsOffWithoutTheBlock) {
  const LoadResult r = ParseConfig("/etc/mg/c.yaml",
                                   "listen: 127.0.0.1:8500\n"
                                   "admin: {listen: 127.0.0.1:9901}\n"
                                   "backends: [{name: legacy, address: 127.0.0.1:9001}]\n"
                                   "routes: [{name: r, strategy: forward, forward: {backend: legacy}}]\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.config.access_log.enabled());
}

TEST(AccessLogConfig, DefaultsAndAPathRelativeToTheConfig) {
  const LoadResult r = ParseConfig("/etc/mg/c.yaml", WithAccessLog(" {path: logs/access.log}\n"));
  ASSERT_TRUE(r.ok()) << r.errors[0];
  EXPECT_TRUE(r.config.access_log.enabled());
  EXPECT_EQ(r.config.access_log.path, "/etc/mg/logs/access.log");
  EXPECT_EQ(r.config.access_log.max_bytes, 100 << 20);
  EXPECT_EQ(r.config.access_log.max_files, 5);
  EXPECT_EQ(r.config.access_log.buffer_entries, 8192);
}

TEST(AccessLogConfig, ReadsEveryKey) {
  const LoadResult r = ParseConfig(
      "/etc/mg/c.yaml",
      WithAccessLog("\n  path: /var/log/mg/access.log\n  max_bytes: 10MiB\n  max_files: 3\n"
                    "  buffer_entries: 100\n"));
  ASSERT_TRUE(r.ok()) << r.errors[0];
  EXPECT_EQ(r.config.access_log.path, "/var/log/mg/access.log");
  EXPECT_EQ(r.config.access_log.max_bytes, 10 << 20);
  EXPECT_EQ(r.config.access_log.max_files, 3);
  EXPECT_EQ(r.config.access_log.buffer_entries, 100);
}

TEST(AccessLogConfig, ErrorsCarryFileLineColumnAndKey) {
  EXPECT_THAT(Errors(" access.log\n"),
              ElementsAre("c.yaml:5:13: access_log: must be a map (got \"access.log\")"));
  EXPECT_THAT(Errors(" {max_files: 2}\n"),
              ElementsAre("c.yaml:5:13: access_log.path: required key is missing"));
  EXPECT_THAT(Errors("\n  path: \"\"\n"),
              ElementsAre("c.yaml:6:9: access_log.path: must name a file (omit access_log to log "
                          "no calls)"));
  EXPECT_THAT(Errors("\n  path: logs/\n"),
              ElementsAre("c.yaml:6:9: access_log.path: must name a file, not a directory "
                          "(got \"logs/\")"));
  EXPECT_THAT(Errors("\n  path: a.log\n  max_file: 3\n"),
              ElementsAre("c.yaml:7:3: access_log.max_file: unknown key \"max_file\" (did you "
                          "mean \"max_files\"?)"));
  EXPECT_THAT(Errors("\n  path: a.log\n  max_files: 0\n"),
              ElementsAre("c.yaml:7:14: access_log.max_files: must be >= 1 (got 0)"));
  EXPECT_THAT(Errors("\n  path: a.log\n  buffer_entries: lots\n"),
              ElementsAre("c.yaml:7:19: access_log.buffer_entries: must be an integer (got "
                          "\"lots\")"));
  const std::vector<std::string> small = Errors("\n  path: a.log\n  max_bytes: 1KiB\n");
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0].rfind("c.yaml:7:14: access_log.max_bytes: ", 0), 0u) << small[0];
}

}  // namespace
}  // namespace modelgate::config
