// Robustness: seeded byte-level mutations of a valid config. Whatever the bytes, the loader
// must return (no crash, no exception) either a config that keeps the invariants promised in
// config.h or at least one well-formed error line.
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/random.h"
#include "config/loader.h"
#include "gtest/gtest.h"

namespace modelgate::config {
namespace {

constexpr char kSeedConfig[] = R"(listen: 127.0.0.1:8500
admin: {listen: 127.0.0.1:9901}
proxy:
  threads: 2
  max_message_bytes: 16MiB
  unary_methods: ["/bench.Model/Predict"]
backends:
  - {name: legacy, address: 127.0.0.1:9001}
  - {name: candidate, address: "unix:/tmp/c.sock"}
routes:
  - name: predict
    match: {service: bench.Model, method: Predict, headers: {x-tenant: acme}}
    strategy: ab
    ab:
      arms:
        - {backend: legacy, weight: 90, name: control}
        - {backend: candidate, weight: 10}
      sticky_header: x-user-id
      salt: s1
    arm_header: true
    timeout_seconds: 2
  - name: rest
    strategy: forward
    forward: {backend: legacy}
)";

constexpr char kFile[] = "m.yaml";

// One to four edits: delete, duplicate, or swap random bytes.
std::string Mutate(std::string text, SplitMix64& rng) {
  const int edits = 1 + static_cast<int>(rng.Below(4));
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const size_t i = rng.Below(text.size());
    switch (rng.Below(3)) {
      case 0:
        text.erase(i, 1);
        break;
      case 1:
        text.insert(i, 1, text[i]);
        break;
      default:
        std::swap(text[i], text[rng.Below(text.size())]);
        break;
    }
  }
  return text;
}

// "m.yaml: ..." (no position) or "m.yaml:LINE:COL: ..." with positive numbers, on one line.
bool IsWellFormedError(const std::string& error) {
  if (absl::StrContains(error, '\n')) return false;
  if (absl::StartsWith(error, std::string(kFile) + ": ")) return true;
  if (!absl::StartsWith(error, std::string(kFile) + ":")) return false;
  const std::vector<std::string> parts = absl::StrSplit(error, absl::MaxSplits(':', 3));
  int line = 0, column = 0;
  return parts.size() == 4 && absl::SimpleAtoi(parts[1], &line) &&
         absl::SimpleAtoi(parts[2], &column) && line > 0 && column > 0 &&
         absl::StartsWith(parts[3], " ");
}

// The invariants config.h promises to code that receives a Config.
void ExpectInvariants(const Config& c, const std::string& text) {
  for (const Route& route : c.routes) {
    ASSERT_NE(route.block, nullptr) << text;
    int64_t sum = 0;
    ASSERT_FALSE(route.arms.empty()) << text;
    for (const RouteArm& arm : route.arms) {
      EXPECT_NE(c.FindBackend(arm.backend), nullptr) << text;
      EXPECT_GE(arm.weight, 0) << text;
      sum += arm.weight;
    }
    EXPECT_GT(sum, 0) << text;
  }
}

TEST(ConfigLoaderRobustness, MutatedConfigsYieldAConfigOrWellFormedErrors) {
  ASSERT_TRUE(ParseConfig(kFile, kSeedConfig).ok());
  SplitMix64 rng(20240611);
  int accepted = 0, rejected = 0;
  for (int round = 0; round < 500; ++round) {
    const std::string text = Mutate(kSeedConfig, rng);
    LoadResult r;
    ASSERT_NO_THROW(r = ParseConfig(kFile, text)) << text;
    if (r.ok()) {
      ++accepted;
      ExpectInvariants(r.config, text);
      continue;
    }
    ++rejected;
    for (const std::string& error : r.errors) {
      EXPECT_TRUE(IsWellFormedError(error)) << error << "\n--- input:\n" << text;
    }
  }
  // Both outcomes occur, so the run exercises the error paths and the success path.
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace modelgate::config
