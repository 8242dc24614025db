// The access log line: exact format, optional keys, RFC 3339 times with milliseconds, and JSON
// escaping that keeps every line parseable (quotes, control characters, invalid UTF-8).
#include "telemetry/access_log_entry.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace modelgate::telemetry {
namespace {

using nlohmann::json;

AccessLogEntry Basic() {
  AccessLogEntry e;
  // 2026-12-04T10:11:12.345678Z
  e.time = absl::FromUnixMicros(1796379072345678);
  e.route = "infer";
  e.arm = "legacy";
  e.method = "/inference.GRPCInferenceService/ModelInfer";
  e.code = 0;
  e.latency_ms = 1.2345;
  e.request_bytes = 120;
  e.response_bytes = 267;
  e.request_id = "req-1";
  return e;
}

TEST(AccessLogLine, HasTheDocumentedFormat) {
  std::string line;
  AppendAccessLogLine(Basic(), &line);
  EXPECT_EQ(line,
            "{\"time\":\"2026-12-04T10:11:12.345Z\",\"route\":\"infer\",\"arm\":\"legacy\","
            "\"method\":\"/inference.GRPCInferenceService/ModelInfer\",\"code\":\"OK\","
            "\"latency_ms\":1.234,\"request_bytes\":120,\"response_bytes\":267,"
            "\"request_id\":\"req-1\"}\n");
}

TEST(AccessLogLine, AddsShadowInterleaveAndMessageOnlyWhenSet) {
  AccessLogEntry e = Basic();
  e.code = 14;
  e.shadow = "mirrored";
  e.interleave = "leg_failed";
  e.message = "backend down";
  std::string line;
  AppendAccessLogLine(e, &line);
  const json j = json::parse(line);
  EXPECT_EQ(j["code"], "UNAVAILABLE");
  EXPECT_EQ(j["shadow"], "mirrored");
  EXPECT_EQ(j["interleave"], "leg_failed");
  EXPECT_EQ(j["message"], "backend down");
  std::string plain;
  AppendAccessLogLine(Basic(), &plain);
  const json p = json::parse(plain);
  EXPECT_FALSE(p.contains("shadow"));
  EXPECT_FALSE(p.contains("interleave"));
  EXPECT_FALSE(p.contains("message"));
}

TEST(AccessLogLine, TimesAreUtcMillisecondsFlooredNotRounded) {
  AccessLogClock clock;
  std::string out;
  clock.Append(absl::FromUnixMicros(1796379072999999), &out);  // .999999 stays in its second
  EXPECT_EQ(out, "2026-12-04T10:11:12.999Z");
  out.clear();
  clock.Append(absl::FromUnixMillis(1796379073000), &out);  // the cached second changes
  EXPECT_EQ(out, "2026-12-04T10:11:13.000Z");
  out.clear();
  clock.Append(absl::FromUnixMillis(-1), &out);  // before 1970: floor, not truncation
  EXPECT_EQ(out, "1969-12-31T23:59:59.999Z");
}

TEST(AccessLogLine, EscapesStringsSoEveryLineParses) {
  AccessLogEntry e = Basic();
  e.method = "/a\"b\\c/\nd\te\x01";
  e.request_id = "id\r\x7f";
  e.message = std::string("bad utf8 \xff\xfe and \xc3\xa9 and a\0nul", 28);
  std::string line;
  AppendAccessLogLine(e, &line);
  // One line: the only newline is the terminator.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const json j = json::parse(line);  // throws (fails the test) on invalid JSON or UTF-8
  EXPECT_EQ(j["method"], "/a\"b\\c/\nd\te\x01");
  EXPECT_EQ(j["request_id"], "id\r\x7f");
  EXPECT_EQ(j["message"], std::string("bad utf8 \xEF\xBF\xBD\xEF\xBF\xBD and \xc3\xa9 and a\0nul", 32));
}

TEST(AccessLogLine, UnknownCodesAndOddLatenciesStillParse) {
  AccessLogEntry e = Basic();
  e.code = 99;
  e.latency_ms = -1;
  std::string line;
  AppendAccessLogLine(e, &line);
  const json j = json::parse(line);
  EXPECT_EQ(j["code"], "CODE_99");
  EXPECT_EQ(j["latency_ms"], 0.0);
}

}  // namespace
}  // namespace modelgate::telemetry
