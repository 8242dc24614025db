// The loader's happy paths and entry points: typed values, defaults, the hash, file handling,
// and every example config under config/.
#include "config/loader.h"
#include "strategies/ab.h"
#include "strategies/forward.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/stable_hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr char kFullConfig[] = R"(listen: 0.0.0.0:8500
admin:
  listen: 127.0.0.1:0
proxy:
  threads: 4
  max_message_bytes: 4194304
  drain_seconds: 2.5
  max_inflight_calls: 500
  dns_refresh_seconds: 5
  unary_methods: ["/bench.Model/Predict", "/inference.GRPCInferenceService/*"]
backends:
  - name: legacy
    address: 127.0.0.1:9001
  - name: candidate
    address: unix:/run/candidate.sock
  - name: v6
    address: "[::1]:9003"
routes:
  - name: predict
    match:
      service: bench.Model
      method: Predict
      headers: {x-tenant: acme, x-region: eu-1}
    strategy: ab
    ab:
      arms:
        - {backend: legacy, weight: 90, name: control}
        - {backend: candidate, weight: 10}
      sticky_header: x-user-id
      salt: exp-1
    arm_header: true
    timeout_seconds: 1.5
  - name: rest
    strategy: forward
    forward: {backend: v6}
)";

std::string ToText(const std::vector<std::string>& errors) { return absl::StrJoin(errors, "\n"); }

TEST(ConfigLoader, ParsesFullConfigIntoTypedValues) {
  const LoadResult r = ParseConfig("full.yaml", kFullConfig);
  ASSERT_TRUE(r.ok()) << ToText(r.errors);
  const Config& c = r.config;
  EXPECT_EQ(c.path, "full.yaml");
  EXPECT_EQ(c.listen, "0.0.0.0:8500");
  EXPECT_EQ(c.admin.listen, "127.0.0.1:0");
  EXPECT_EQ(c.proxy.threads, 4);
  EXPECT_EQ(c.proxy.max_message_bytes, 4194304);
  EXPECT_DOUBLE_EQ(c.proxy.drain_seconds, 2.5);
  EXPECT_DOUBLE_EQ(c.proxy.dns_refresh_seconds, 5);
  EXPECT_EQ(c.proxy.max_inflight_calls, 500);
  EXPECT_THAT(c.proxy.unary_methods,
              ElementsAre("/bench.Model/Predict", "/inference.GRPCInferenceService/*"));

  ASSERT_EQ(c.backends.size(), 3u);
  EXPECT_EQ(c.backends[0].name, "legacy");
  EXPECT_EQ(c.backends[0].address, "127.0.0.1:9001");
  EXPECT_EQ(c.backends[0].pos.line, 12);
  EXPECT_EQ(c.backends[0].pos.column, 5);
  EXPECT_EQ(c.backends[1].address, "unix:/run/candidate.sock");
  EXPECT_EQ(c.backends[2].address, "[::1]:9003");
  EXPECT_EQ(c.FindBackend("v6"), &c.backends[2]);

  ASSERT_EQ(c.routes.size(), 2u);
  const Route& ab = c.routes[0];
  EXPECT_EQ(ab.name, "predict");
  EXPECT_EQ(ab.pos.line, 19);
  EXPECT_EQ(ab.pos.column, 5);
  EXPECT_EQ(ab.match.service, "bench.Model");
  EXPECT_EQ(ab.match.method, "Predict");
  EXPECT_THAT(ab.match.headers, ElementsAre(Pair("x-tenant", "acme"), Pair("x-region", "eu-1")));
  EXPECT_EQ(ab.strategy, "ab");
  ASSERT_EQ(ab.arms.size(), 2u);
  EXPECT_EQ(ab.arms[0].backend, "legacy");
  EXPECT_EQ(ab.arms[0].weight, 90);
  EXPECT_EQ(ab.arms[0].name, "control");
  EXPECT_EQ(ab.arms[0].role, ArmRole::kReference);
  EXPECT_EQ(ab.arms[1].backend, "candidate");
  EXPECT_EQ(ab.arms[1].weight, 10);
  EXPECT_EQ(ab.arms[1].name, "candidate");
  EXPECT_EQ(ab.arms[1].role, ArmRole::kCandidate);
  EXPECT_EQ(ab.block_as<strategies::AbBlock>().sticky, "x-user-id");
  EXPECT_EQ(ab.block_as<strategies::AbBlock>().salt, "exp-1");
  EXPECT_TRUE(ab.arm_header);
  EXPECT_DOUBLE_EQ(ab.timeout_seconds, 1.5);

  const Route& fwd = c.routes[1];
  EXPECT_EQ(fwd.name, "rest");
  EXPECT_EQ(fwd.strategy, "forward");
  EXPECT_EQ(fwd.block_as<strategies::ForwardBlock>().backend, "v6");
  ASSERT_EQ(fwd.arms.size(), 1u);
  EXPECT_EQ(fwd.arms[0].backend, "v6");
  EXPECT_TRUE(fwd.match.service.empty());
  EXPECT_TRUE(fwd.match.method.empty());
  EXPECT_THAT(fwd.match.headers, IsEmpty());
}

TEST(ConfigLoader, FillsDefaultsForOptionalKeys) {
  const LoadResult r = ParseConfig("min.yaml", R"(listen: 127.0.0.1:8500
admin: {listen: 127.0.0.1:9901}
backends: [{name: a, address: localhost:1}]
routes:
  - name: r
    strategy: ab
    ab: {arms: [{backend: a, weight: 1}]}
)");
  ASSERT_TRUE(r.ok()) << ToText(r.errors);
  const Config& c = r.config;
  EXPECT_EQ(c.proxy.threads, 1);
  EXPECT_EQ(c.proxy.max_message_bytes, 16 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(c.proxy.drain_seconds, 10);
  EXPECT_DOUBLE_EQ(c.proxy.dns_refresh_seconds, 30);
  EXPECT_EQ(c.proxy.max_inflight_calls, 10000);
  EXPECT_THAT(c.proxy.unary_methods, IsEmpty());
  const Route& route = c.routes[0];
  EXPECT_EQ(route.arms[0].name, "a");
  EXPECT_EQ(route.block_as<strategies::AbBlock>().salt, "modelgate");
  EXPECT_EQ(route.block_as<strategies::AbBlock>().sticky, "");
  EXPECT_FALSE(route.arm_header);
  EXPECT_DOUBLE_EQ(route.timeout_seconds, 0);
}

std::string WithMessageBytes(const std::string& value) {
  return R"(listen: 127.0.0.1:8500
admin: {listen: 127.0.0.1:9901}
proxy: {max_message_bytes: )" +
         value + R"(}
backends: [{name: a, address: localhost:1}]
routes: [{name: r, strategy: forward, forward: {backend: a}}]
)";
}

TEST(ConfigLoader, AcceptsByteSizesWithBinarySuffixes) {
  const std::pair<const char*, int64_t> cases[] = {{"4KiB", 4096},    {"16MiB", 16 << 20},
                                                   {"1GiB", 1 << 30}, {"\"2MiB\"", 2 << 20},
                                                   {"1024", 1024},    {"2147483647", 2147483647}};
  for (const auto& [text, bytes] : cases) {
    const LoadResult r = ParseConfig("c.yaml", WithMessageBytes(text));
    ASSERT_TRUE(r.ok()) << text << ": " << ToText(r.errors);
    EXPECT_EQ(r.config.proxy.max_message_bytes, bytes) << text;
  }
}

TEST(ConfigLoader, HashIsLowercaseHexOfXxh3OverFileBytes) {
  const LoadResult r = ParseConfig("full.yaml", kFullConfig);
  ASSERT_TRUE(r.ok()) << ToText(r.errors);
  EXPECT_EQ(r.config.hash, absl::StrFormat("%016x", StableHash64(kFullConfig)));
  EXPECT_THAT(r.config.hash, ::testing::MatchesRegex("[0-9a-f]{16}"));
  // A comment changes the bytes, so the hash too: the hash is for "same file", not "same
  // meaning".
  const LoadResult commented = ParseConfig("full.yaml", std::string(kFullConfig) + "# note\n");
  ASSERT_TRUE(commented.ok());
  EXPECT_NE(commented.config.hash, r.config.hash);
}

TEST(ConfigLoader, ReturnsNoConfigWhenAnyErrorIsFound) {
  // Everything is valid except one weight; the rest must not leak out half-built.
  std::string text = kFullConfig;
  text.replace(text.find("weight: 10"), 10, "weight: -1");
  const LoadResult r = ParseConfig("full.yaml", text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors.size(), 1u) << ToText(r.errors);
  EXPECT_TRUE(r.config.path.empty());
  EXPECT_TRUE(r.config.hash.empty());
  EXPECT_TRUE(r.config.listen.empty());
  EXPECT_THAT(r.config.backends, IsEmpty());
  EXPECT_THAT(r.config.routes, IsEmpty());
}

std::vector<std::filesystem::path> ExampleConfigs() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(MODELGATE_SOURCE_DIR) + "/config")) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  return files;
}

TEST(ConfigLoader, LoadsEveryExampleConfig) {
  const std::vector<std::filesystem::path> files = ExampleConfigs();
  // config/ab.yaml is checked in, so an empty list means the examples went missing.
  ASSERT_FALSE(files.empty()) << "no *.yaml under " << MODELGATE_SOURCE_DIR << "/config";
  for (const auto& file : files) {
    const LoadResult r = LoadConfigFile(file.string());
    EXPECT_TRUE(r.ok()) << ToText(r.errors);
    EXPECT_EQ(r.config.path, file.string());
  }
}

TEST(ConfigLoader, AbExampleIsNinetyTenStickyOnUserId) {
  const LoadResult r = LoadConfigFile(std::string(MODELGATE_SOURCE_DIR) + "/config/ab.yaml");
  ASSERT_TRUE(r.ok()) << ToText(r.errors);
  const Config& c = r.config;
  EXPECT_EQ(c.listen, "127.0.0.1:8500");
  EXPECT_EQ(c.admin.listen, "127.0.0.1:9901");
  ASSERT_NE(c.FindBackend("legacy"), nullptr);
  EXPECT_EQ(c.FindBackend("legacy")->address, "127.0.0.1:9001");
  ASSERT_NE(c.FindBackend("candidate"), nullptr);
  EXPECT_EQ(c.FindBackend("candidate")->address, "127.0.0.1:9002");
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].strategy, "ab");
  ASSERT_EQ(c.routes[0].arms.size(), 2u);
  EXPECT_EQ(c.routes[0].arms[0].weight, 90);
  EXPECT_EQ(c.routes[0].arms[1].weight, 10);
  EXPECT_EQ(c.routes[0].block->sticky_header(), "x-user-id");
  EXPECT_EQ(c.routes[1].strategy, "forward");
}

TEST(ConfigLoader, ReportsUnreadableFileWithoutPosition) {
  const std::string missing = ::testing::TempDir() + "modelgate-config-does-not-exist.yaml";
  EXPECT_THAT(LoadConfigFile(missing).errors,
              ElementsAre(missing + ": cannot read: No such file or directory"));
  const std::string dir = ::testing::TempDir();
  EXPECT_THAT(LoadConfigFile(dir).errors, ElementsAre(dir + ": cannot read: Is a directory"));
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(ConfigLoader, LoadConfigFileSetsPathAndHashFromFile) {
  const std::string path = WriteTempFile("modelgate-config-full.yaml", kFullConfig);
  const LoadResult r = LoadConfigFile(path);
  ASSERT_TRUE(r.ok()) << ToText(r.errors);
  EXPECT_EQ(r.config.path, path);
  EXPECT_EQ(r.config.hash, ParseConfig("other-name.yaml", kFullConfig).config.hash);
}

TEST(ConfigLoader, StatusJoinsAllErrorsAsInvalidArgument) {
  const std::string path = WriteTempFile("modelgate-config-bad.yaml", R"(listen: nope
admin: {listen: 127.0.0.1:9901}
backends: [{name: a, address: localhost:1}]
routes: [{name: r, strategy: forward, forward: {backend: b}}]
)");
  const absl::StatusOr<Config> config = LoadConfigOrStatus(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(config.status().message()),
            path + ":1:9: listen: must be host:port, e.g. 127.0.0.1:8500 (got \"nope\")\n" + path +
                ":4:58: routes[0].forward.backend: undefined backend \"b\" (defined: a)");
}

TEST(ConfigLoader, StatusCarriesTheConfigWhenValid) {
  const std::string path = WriteTempFile("modelgate-config-good.yaml", kFullConfig);
  const absl::StatusOr<Config> config = LoadConfigOrStatus(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->routes.size(), 2u);
}

}  // namespace
}  // namespace modelgate::config
