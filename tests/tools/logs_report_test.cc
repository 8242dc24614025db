// `modelgate logs report`: nearest-rank percentiles against a direct computation, the binomial
// tail against an exact sum, malformed lines counted with file:line, and the anomaly rule on
// synthetic logs: an injected error burst and an injected slow minute are flagged in their own
// buckets only, and clean logs (seeded) flag nothing.
#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "telemetry/access_log_entry.h"
#include "testing/temp_dir.h"
#include "tools/logs/logs_command.h"
#include "tools/logs/report.h"
#include "tools/logs/report_render.h"

namespace modelgate::logs {
namespace {

using nlohmann::json;

constexpr int64_t kStartMs = 1796379000000;  // 2026-12-04T10:10:00Z, a whole minute

double DirectRank(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::max<size_t>(rank, 1) - 1];
}

TEST(LogsReport, PercentilesAreNearestRank) {
  std::vector<double> v;
  for (int i = 1000; i >= 1; --i) v.push_back(i);
  Percentiles p = ComputePercentiles(v);
  EXPECT_EQ(p.count, 1000);
  EXPECT_EQ(p.p50, 500);
  EXPECT_EQ(p.p90, 900);
  EXPECT_EQ(p.p99, 990);
  EXPECT_EQ(p.max, 1000);

  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(0, 1);
  for (int n : {1, 2, 7, 99, 100, 101, 1234}) {
    std::vector<double> values;
    for (int i = 0; i < n; ++i) values.push_back(latency(rng));
    std::vector<double> copy = values;
    const Percentiles q = ComputePercentiles(copy);
    EXPECT_EQ(q.p50, DirectRank(values, 0.5)) << n;
    EXPECT_EQ(q.p90, DirectRank(values, 0.9)) << n;
    EXPECT_EQ(q.p99, DirectRank(values, 0.99)) << n;
    EXPECT_EQ(q.max, *std::max_element(values.begin(), values.end())) << n;
  }
}

TEST(LogsReport, BinomialTailMatchesAnExactSum) {
  for (auto [n, k, p] : {std::tuple{10, 3, 0.1}, {100, 5, 0.01}, {60, 20, 0.05}, {1, 1, 0.3}}) {
    double direct = 0;
    for (int x = k; x <= n; ++x) {
      direct += std::exp(std::lgamma(n + 1) - std::lgamma(x + 1) - std::lgamma(n - x + 1) +
                         x * std::log(p) + (n - x) * std::log1p(-p));
    }
    EXPECT_NEAR(BinomialUpperTail(n, k, p), direct, 1e-12 + 1e-9 * direct) << n << " " << k;
  }
  EXPECT_EQ(BinomialUpperTail(10, 0, 0.5), 1.0);
  EXPECT_EQ(BinomialUpperTail(10, 11, 0.5), 0.0);
}

std::string Line(int64_t ms, const std::string& route, const std::string& arm, int code,
                 double latency_ms, const std::string& message = "") {
  telemetry::AccessLogEntry e;
  e.time = absl::FromUnixMillis(ms);
  e.route = route;
  e.arm = arm;
  e.method = "/s.S/M";
  e.code = code;
  e.latency_ms = latency_ms;
  e.message = message;
  std::string out;
  telemetry::AppendAccessLogLine(e, &out);
  out.pop_back();  // the newline
  return out;
}

// `minutes` minutes of 200 calls a minute on route "r" (arms a 90%, b 10%), 1% errors and
// lognormal latencies (median 2 ms); `error_minute` has 15% errors, `slow_minute` 5x latency.
Report Synthetic(uint64_t seed, int minutes, int error_minute = -1, int slow_minute = -1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::lognormal_distribution<double> latency(std::log(2.0), 0.5);
  ReportBuilder b(ReportOptions{});
  int64_t n = 0;
  for (int m = 0; m < minutes; ++m) {
    for (int i = 0; i < 200; ++i) {
      const int64_t ms = kStartMs + m * 60000 + i * 300;
      const double error_rate = m == error_minute ? 0.15 : 0.01;
      const bool error = u(rng) < error_rate;
      double l = latency(rng);
      if (m == slow_minute) l *= 5;
      b.AddLine("syn", ++n,
                Line(ms, "r", u(rng) < 0.9 ? "a" : "b", error ? 14 : 0, l,
                     error ? "backend \"x\" unavailable" : ""));
    }
  }
  return b.Build();
}

TEST(LogsReport, FlagsAnInjectedErrorBurstInItsBucketOnly) {
  const Report r = Synthetic(1, 30, /*error_minute=*/17);
  ASSERT_EQ(r.records, 6000);
  ASSERT_EQ(r.buckets.size(), 30u);
  ASSERT_EQ(r.anomalies.size(), 1u) << ReportJson(r)["anomalies"].dump(1);
  const Anomaly& a = r.anomalies[0];
  EXPECT_EQ(a.kind, "error_rate");
  EXPECT_EQ(a.route, "r");
  EXPECT_EQ(a.bucket_start, absl::FromUnixMillis(kStartMs + 17 * 60000));
  EXPECT_EQ(a.calls, 200);
  EXPECT_LT(a.p_value, r.threshold);
  EXPECT_EQ(r.tests, 60);  // 30 buckets x (errors, latency)
  EXPECT_DOUBLE_EQ(r.threshold, 0.01 / 60);
}

TEST(LogsReport, FlagsAnInjectedSlowMinuteInItsBucketOnly) {
  const Report r = Synthetic(2, 30, -1, /*slow_minute=*/9);
  ASSERT_EQ(r.anomalies.size(), 1u) << ReportJson(r)["anomalies"].dump(1);
  EXPECT_EQ(r.anomalies[0].kind, "latency");
  EXPECT_EQ(r.anomalies[0].bucket_start, absl::FromUnixMillis(kStartMs + 9 * 60000));
  EXPECT_GT(r.anomalies[0].observed, 20);  // most of the run's slowest 1% are in that minute
}

TEST(LogsReport, CleanLogsFlagNothing) {
  // The rule's false-alarm probability per report is at most alpha = 0.01; these seeds are
  // fixed, so the test is deterministic (and 20 clean reports at 1% each rarely see one).
  int flagged = 0;
  for (uint64_t seed = 100; seed < 120; ++seed) flagged += !Synthetic(seed, 30).anomalies.empty();
  EXPECT_EQ(flagged, 0);
}

TEST(LogsReport, SummarisesSeriesCodesAndErrorPatterns) {
  const Report r = Synthetic(1, 30, 17);
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].arm, "a");
  EXPECT_EQ(r.series[1].arm, "b");
  EXPECT_EQ(r.series[0].calls + r.series[1].calls, 6000);
  int64_t errors = 0;
  for (const SeriesSummary& s : r.series) {
    errors += s.errors;
    EXPECT_EQ(s.codes.at("OK") + s.codes.at("UNAVAILABLE"), s.calls);
  }
  ASSERT_EQ(r.error_patterns.size(), 1u);
  EXPECT_EQ(r.error_patterns[0].code, "UNAVAILABLE");
  EXPECT_EQ(r.error_patterns[0].message, "backend \"x\" unavailable");
  EXPECT_EQ(r.error_patterns[0].count, errors);
  int64_t bucket_calls = 0;
  for (const BucketRow& b : r.buckets) bucket_calls += b.total;
  EXPECT_EQ(bucket_calls, 6000);
}

TEST(LogsReport, CountsMalformedLinesWithWhereAndWhy) {
  ReportBuilder b(ReportOptions{});
  b.AddLine("f", 1, Line(kStartMs, "r", "a", 0, 1.0));
  b.AddLine("f", 2, "not json");
  b.AddLine("f", 3, "[1,2]");
  b.AddLine("f", 4, R"({"time":"yesterday","route":"r","arm":"a","code":"OK","latency_ms":1})");
  b.AddLine("f", 5, R"({"time":"2026-12-04T10:11:12.345Z","route":"r","arm":"a","code":"OK"})");
  b.AddLine("f", 6, Line(kStartMs, "r", "a", 0, 1.0).substr(0, 40));  // cut short
  const Report r = b.Build();
  EXPECT_EQ(r.lines, 6);
  EXPECT_EQ(r.records, 1);
  EXPECT_EQ(r.malformed, 5);
  ASSERT_EQ(r.malformed_examples.size(), 5u);
  EXPECT_EQ(r.malformed_examples[0], "f:2: not JSON");
  EXPECT_EQ(r.malformed_examples[1], "f:3: not a JSON object");
  EXPECT_EQ(r.malformed_examples[2].rfind("f:4: \"time\" is not RFC 3339", 0), 0u);
  EXPECT_EQ(r.malformed_examples[3], "f:5: \"latency_ms\" missing or not a number");
  EXPECT_EQ(r.malformed_examples[4], "f:6: not JSON");
}

TEST(LogsCommand, ReadsRotatedFilesAndPrintsTheSameContentAsTextAndJson) {
  testutil::TempDir dir;
  std::string older, newer;
  for (int i = 0; i < 10; ++i) older += Line(kStartMs + i * 1000, "r", "a", 0, 1.0 + i) + "\n";
  for (int i = 0; i < 5; ++i) {
    newer += Line(kStartMs + 70000 + i, "r", "b", 13, 2.0, "boom") + "\n";
  }
  newer += "garbage\n";
  const std::string f1 = dir.Write("access.log.1", older);
  const std::string f0 = dir.Write("access.log", newer);
  std::ostringstream out, err;
  ASSERT_EQ(RunLogsCommand({"report", f0, f1, "--json", "--bucket", "30"}, out, err), 0)
      << err.str();
  const json j = json::parse(out.str());
  EXPECT_EQ(j["records"], 15);
  EXPECT_EQ(j["malformed"], 1);
  EXPECT_EQ(j["malformed_examples"][0], f0 + ":6: not JSON");
  EXPECT_EQ(j["bucket_seconds"], 30);
  EXPECT_EQ(j["buckets"].size(), 3u);  // 10:10:00, :30 (empty), 10:11:00
  EXPECT_EQ(j["buckets"][1]["calls"], 0);
  EXPECT_EQ(j["series"][0]["latency_ms"]["p50"], 5.0);
  EXPECT_EQ(j["series"][0]["latency_ms"]["max"], 10.0);
  EXPECT_EQ(j["series"][1]["codes"]["INTERNAL"], 5);
  EXPECT_EQ(j["error_patterns"][0]["message"], "boom");

  std::ostringstream text;
  ASSERT_EQ(RunLogsCommand({"report", f0, f1, "--bucket=30"}, text, err), 0);
  const std::string t = text.str();
  for (const char* s : {"15 calls, 1 malformed", "r/a", "r/b", "INTERNAL", "boom",
                        "2026-12-04T10:10:30.000Z", "Anomalies"}) {
    EXPECT_NE(t.find(s), std::string::npos) << s << "\n" << t;
  }
}

TEST(LogsCommand, RejectsBadUsageAndUnreadableFiles) {
  std::ostringstream out, err;
  EXPECT_EQ(RunLogsCommand({}, out, err), 2);
  EXPECT_EQ(RunLogsCommand({"summary", "f"}, out, err), 2);
  EXPECT_EQ(RunLogsCommand({"report"}, out, err), 2);
  EXPECT_EQ(RunLogsCommand({"report", "f", "--bucket", "0"}, out, err), 2);
  EXPECT_EQ(RunLogsCommand({"report", "f", "--bucket", "1.5"}, out, err), 2);
  EXPECT_EQ(RunLogsCommand({"report", "f", "--alpha", "1"}, out, err), 2);
  EXPECT_EQ(RunLogsCommand({"report", "f", "--color"}, out, err), 2);
  EXPECT_EQ(RunLogsCommand({"report", "/nonexistent/access.log"}, out, err), 1);
  EXPECT_NE(err.str().find("cannot read /nonexistent/access.log"), std::string::npos);
}

}  // namespace
}  // namespace modelgate::logs
