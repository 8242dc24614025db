// Log lines: JSON escaping (every line parses, whatever the message holds), the text and JSON
// formats, and rate limiting with an injected clock (no sleeping, no timing thresholds).
#include <string>

#include "common/json_string.h"
#include "common/log.h"
#include "common/log_rate_limit.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace modelgate {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Json(""), R"("")");
  EXPECT_EQ(Json(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(Json("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(Json(std::string("\x01\x1f\x7f\0", 4)), R"("\u0001\u001f\u007f\u0000")");
  EXPECT_EQ(Json("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");  // kept
}

TEST(JsonString, ReplacesInvalidUtf8SoTheLineStillParses) {
  const std::string bad[] = {"\xff", "\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                             "ok\xE2\x82", "\x80\x80"};
  for (const std::string& s : bad) {
    const std::string json = Json(s);
    EXPECT_NO_THROW((void)nlohmann::json::parse(json)) << json;
  }
  EXPECT_EQ(Json("a\xffz"), "\"a\xEF\xBF\xBDz\"");
}

TEST(LogFormat, JsonLinesCarryTimeLevelFileLineAndMessage) {
  const std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kWarning,
                                         "/src/proxy/call.cc", 42, "backend \"a\"\nunreachable");
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["file"], "call.cc");
  EXPECT_EQ(j["line"], 42);
  EXPECT_EQ(j["msg"], "backend \"a\"\nunreachable");
  EXPECT_EQ(j["time"].get<std::string>().size(), std::string("2026-11-27T15:52:17.123Z").size());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const std::string text =
      FormatLogLine(LogFormat::kText, LogLevel::kError, "/src/x.cc", 7, "boom");
  EXPECT_NE(text.find(" E x.cc:7] boom"), std::string::npos) << text;
}

constexpr int64_t kSecond = 1'000'000'000;

TEST(LogRateLimiter, AllowsNLinesPerIntervalAndCountsTheRest) {
  LogRateLimiter limiter(2, std::chrono::seconds(1));
  int64_t suppressed = -1;
  EXPECT_TRUE(limiter.Allow(10 * kSecond, &suppressed));
  EXPECT_EQ(suppressed, 0);
  EXPECT_TRUE(limiter.Allow(10 * kSecond + 1, &suppressed));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.Allow(10 * kSecond + 2 + i, &suppressed));
  // The next window's first line reports what was refused in between.
  EXPECT_TRUE(limiter.Allow(11 * kSecond, &suppressed));
  EXPECT_EQ(suppressed, 1000);
  EXPECT_TRUE(limiter.Allow(11 * kSecond + 1, &suppressed));
  EXPECT_EQ(suppressed, 0);
  EXPECT_FALSE(limiter.Allow(11 * kSecond + 2, &suppressed));
  EXPECT_EQ(SuppressedNote(0), "");
  EXPECT_EQ(SuppressedNote(1000), " (1000 similar suppressed)");
}

TEST(KeyedLogRateLimiter, KeepsABudgetPerKey) {
  KeyedLogRateLimiter limiter(1, std::chrono::seconds(30), /*max_keys=*/2);
  int64_t suppressed = 0;
  EXPECT_TRUE(limiter.Allow("a", kSecond, &suppressed));
  EXPECT_FALSE(limiter.Allow("a", 2 * kSecond, &suppressed));
  EXPECT_TRUE(limiter.Allow("b", 2 * kSecond, &suppressed));
  EXPECT_FALSE(limiter.Allow("b", 3 * kSecond, &suppressed));
  EXPECT_TRUE(limiter.Allow("a", 31 * kSecond, &suppressed));
  EXPECT_EQ(suppressed, 1);
  // A third key exceeds max_keys: the table starts afresh, so memory stays bounded.
  EXPECT_TRUE(limiter.Allow("c", 32 * kSecond, &suppressed));
  EXPECT_TRUE(limiter.Allow("a", 32 * kSecond, &suppressed));
}

}  // namespace
}  // namespace modelgate
