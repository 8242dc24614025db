// Text and JSON renderings of a logs report; see report_render.h.
#include "tools/logs/report_render.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace modelgate::logs {
namespace {

using nlohmann::json;

std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string RouteName(const std::string& route) { return route.empty() ? "(unrouted)" : route; }

json Counts(const std::map<std::string, int64_t>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

std::string CountsText(const std::map<std::string, int64_t>& m) {
  std::string s;
  for (const auto& [k, v] : m) absl::StrAppend(&s, s.empty() ? "" : ", ", k, " ", v);
  return s;
}

}  // namespace

json ReportJson(const Report& r) {
  json j;
  j["files"] = r.files;
  j["lines"] = r.lines;
  j["records"] = r.records;
  j["malformed"] = r.malformed;
  j["malformed_examples"] = r.malformed_examples;
  j["first"] = r.records > 0 ? json(Time(r.first)) : json(nullptr);
  j["last"] = r.records > 0 ? json(Time(r.last)) : json(nullptr);
  j["bucket_seconds"] = r.options.bucket_seconds;
  j["series"] = json::array();
  for (const SeriesSummary& s : r.series) {
    j["series"].push_back({{"route", s.route},
                           {"arm", s.arm},
                           {"calls", s.calls},
                           {"errors", s.errors},
                           {"error_rate", s.calls > 0 ? double(s.errors) / s.calls : 0.0},
                           {"codes", Counts(s.codes)},
                           {"latency_ms",
                            {{"count", s.latency_ms.count},
                             {"p50", s.latency_ms.p50},
                             {"p90", s.latency_ms.p90},
                             {"p99", s.latency_ms.p99},
                             {"max", s.latency_ms.max}}}});
  }
  j["routes"] = json::array();
  for (const RouteSummary& route : r.routes) {
    json o = {{"route", route.route},
              {"calls", route.calls},
              {"errors", route.errors},
              {"p99_ms", route.p99_ms}};
    if (!route.shadow.empty()) o["shadow"] = Counts(route.shadow);
    if (!route.interleave.empty()) o["interleave"] = Counts(route.interleave);
    j["routes"].push_back(std::move(o));
  }
  j["buckets"] = json::array();
  for (const BucketRow& b : r.buckets) {
    j["buckets"].push_back({{"start", Time(b.start)},
                            {"calls", b.total},
                            {"errors", b.errors},
                            {"by_series", Counts(b.calls)}});
  }
  j["error_patterns"] = json::array();
  for (const ErrorPattern& p : r.error_patterns) {
    j["error_patterns"].push_back(
        {{"route", p.route}, {"code", p.code}, {"message", p.message}, {"count", p.count}});
  }
  j["error_patterns_omitted"] = r.error_patterns_omitted;
  j["anomaly_rule"] = {
      {"alpha", r.options.alpha},
      {"tests", r.tests},
      {"threshold", r.threshold},
      {"description",
       "per route and bucket: one-sided binomial test of the bucket's errors (and of its calls "
       "slower than the route's overall p99) against the route's rate over the whole input; "
       "flagged when p < alpha / tests (Bonferroni): if calls do not depend on time, the chance "
       "of any false flag in this report is at most alpha"}};
  j["anomalies"] = json::array();
  for (const Anomaly& a : r.anomalies) {
    j["anomalies"].push_back({{"kind", a.kind},
                              {"route", a.route},
                              {"bucket_start", Time(a.bucket_start)},
                              {"calls", a.calls},
                              {"observed", a.observed},
                              {"expected", a.expected},
                              {"baseline", a.baseline},
                              {"bucket_p99_ms", a.bucket_p99_ms},
                              {"p_value", a.p_value}});
  }
  return j;
}

void PrintReport(const Report& r, std::ostream& out) {
  out << "Access log report: " << r.files.size() << " file(s), " << r.lines << " lines, "
      << r.records << " calls, " << r.malformed << " malformed\n";
  for (const std::string& e : r.malformed_examples) out << "  malformed: " << e << "\n";
  if (r.records == 0) return;
  out << "From " << Time(r.first) << " to " << Time(r.last) << "\n\n";

  out << "Calls and latency per route/arm (ms, nearest-rank percentiles over every call)\n";
  out << absl::StrFormat("  %-28s %9s %8s %9s %9s %9s %9s  %s\n", "route/arm", "calls", "errors",
                         "p50", "p90", "p99", "max", "codes");
  for (const SeriesSummary& s : r.series) {
    out << absl::StrFormat("  %-28s %9d %8d %9.3f %9.3f %9.3f %9.3f  %s\n",
                           absl::StrCat(RouteName(s.route), "/", s.arm), s.calls, s.errors,
                           s.latency_ms.p50, s.latency_ms.p90, s.latency_ms.p99,
                           s.latency_ms.max, CountsText(s.codes));
  }
  bool outcomes = false;
  for (const RouteSummary& route : r.routes) {
    if (route.shadow.empty() && route.interleave.empty()) continue;
    if (!outcomes) out << "\nRoute outcomes\n";
    outcomes = true;
    if (!route.shadow.empty()) {
      out << "  " << RouteName(route.route) << " shadow: " << CountsText(route.shadow) << "\n";
    }
    if (!route.interleave.empty()) {
      out << "  " << RouteName(route.route) << " interleave: " << CountsText(route.interleave)
          << "\n";
    }
  }

  // Volume over time: one column per route/arm.
  std::vector<std::string> columns;
  for (const SeriesSummary& s : r.series) columns.push_back(absl::StrCat(RouteName(s.route), "/", s.arm));
  std::vector<std::string> keys;
  for (const SeriesSummary& s : r.series) keys.push_back(absl::StrCat(s.route, "/", s.arm));
  out << "\nVolume per " << r.options.bucket_seconds << " s bucket\n  "
      << absl::StrFormat("%-24s", "bucket start");
  for (const std::string& c : columns) {
    out << " " << absl::StrFormat("%*s", std::max<int>(8, static_cast<int>(c.size())), c);
  }
  out << absl::StrFormat(" %8s\n", "errors");
  for (const BucketRow& b : r.buckets) {
    out << "  " << absl::StrFormat("%-24s", Time(b.start));
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = b.calls.find(keys[i]);
      out << " "
          << absl::StrFormat("%*d", std::max<int>(8, static_cast<int>(columns[i].size())),
                             it == b.calls.end() ? 0 : it->second);
    }
    out << absl::StrFormat(" %8d\n", b.errors);
  }

  out << "\nErrors by route, code and message\n";
  if (r.error_patterns.empty()) out << "  none\n";
  for (const ErrorPattern& p : r.error_patterns) {
    out << absl::StrFormat("  %9d  %-16s %-20s %s\n", p.count, RouteName(p.route), p.code,
                           p.message.empty() ? "-" : p.message);
  }
  if (r.error_patterns_omitted > 0) {
    out << "  (" << r.error_patterns_omitted << " errors in less frequent patterns omitted)\n";
  }

  out << "\nAnomalies (alpha " << r.options.alpha << ", " << r.tests
      << " tests, flagged at p < " << absl::StrFormat("%.3g", r.threshold) << ")\n"
      << "  rule: per route and bucket, a one-sided binomial test of the bucket's errors, and of\n"
      << "  its calls slower than the route's overall p99, against the route's whole-run rate;\n"
      << "  Bonferroni over all tests: if calls do not depend on time, P(any false flag) <= alpha\n";
  if (r.anomalies.empty()) out << "  none\n";
  for (const Anomaly& a : r.anomalies) {
    if (a.kind == "error_rate") {
      out << absl::StrFormat(
          "  %s  %s  error_rate: %d errors in %d calls (expected %.1f at %.4f), p = %.3g\n",
          Time(a.bucket_start), RouteName(a.route), a.observed, a.calls, a.expected, a.baseline,
          a.p_value);
    } else {
      out << absl::StrFormat(
          "  %s  %s  latency: %d of %d calls over the route's p99 (expected %.1f), bucket p99 "
          "%.3f ms, p = %.3g\n",
          Time(a.bucket_start), RouteName(a.route), a.observed, a.calls, a.expected,
          a.bucket_p99_ms, a.p_value);
    }
  }
}

}  // namespace modelgate::logs
