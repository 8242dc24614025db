// Implementation of the summary renderers; see summary.h.
#include "tools/load/summary.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace modelgate::tools {
namespace {

// Rounds to `digits` decimals so that the JSON shows the digits that mean something rather than
// binary floating-point residue (dividing by a power of ten gives the double nearest the
// decimal, which prints short).
double Round(double value, int digits) {
  double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

}  // namespace

std::string FormatJson(const LoadOptions& o, const LoadResult& r) {
  nlohmann::json j;
  j["target"] = o.target;
  j["method"] = o.method;
  j["mode"] = o.bidi ? "bidi" : "unary";  // bidi: completed/qps/latency count messages
  j["concurrency"] = o.concurrency;
  j["connections"] = o.connections;
  j["completed"] = r.completed;
  j["ok"] = r.ok;
  j["errors"] = nlohmann::json::object();
  for (const auto& [code, n] : r.errors) j["errors"][code] = n;
  j["duration_s"] = Round(r.duration_s, 6);
  j["qps"] = Round(r.qps(), 1);
  constexpr int kMicro = 3;  // Latencies are in ms; report whole microseconds.
  j["latency_ms"] = {{"p50", Round(r.latency.p50_ms, kMicro)},
                     {"p90", Round(r.latency.p90_ms, kMicro)},
                     {"p99", Round(r.latency.p99_ms, kMicro)},
                     {"p999", Round(r.latency.p999_ms, kMicro)},
                     {"mean", Round(r.latency.mean_ms, kMicro)},
                     {"min", Round(r.latency.min_ms, kMicro)},
                     {"max", Round(r.latency.max_ms, kMicro)}};
  j["latency_quantiles"] = r.latency.exact ? "exact" : "log_histogram_1pct";
  j["arms"] = nlohmann::json::object();
  for (const auto& [arm, n] : r.arms) j["arms"][arm] = n;
  if (r.sticky) {
    j["sticky"] = {{"header", o.sticky_header},
                   {"keys", o.keys},
                   {"keys_seen", r.keys_seen},
                   {"keys_with_arm", r.keys_with_arm},
                   {"keys_multi_arm", r.keys_multi_arm}};
  } else {
    j["sticky"] = nullptr;
  }
  return j.dump();
}

std::string FormatText(const LoadOptions& o, const LoadResult& r) {
  std::string out;
  absl::StrAppendFormat(&out, "target        %s %s\n", o.target, o.method);
  absl::StrAppendFormat(&out, "load          %d %s in flight over %d connection(s)\n",
                        o.concurrency, o.bidi ? "bidi streams" : "calls", o.connections);
  const char* unit = o.bidi ? "messages" : "calls";
  absl::StrAppendFormat(&out, "completed     %d %s in %.3f s = %.1f %s/s\n", r.completed, unit,
                        r.duration_s, r.qps(), unit);
  absl::StrAppendFormat(&out, "ok            %d\n", r.ok);
  for (const auto& [code, n] : r.errors) absl::StrAppendFormat(&out, "  %-20s %d\n", code, n);
  absl::StrAppendFormat(&out,
                        "latency ms    p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  "
                        "(mean %.3f, min %.3f, max %.3f; %s)\n",
                        r.latency.p50_ms, r.latency.p90_ms, r.latency.p99_ms, r.latency.p999_ms,
                        r.latency.mean_ms, r.latency.min_ms, r.latency.max_ms,
                        r.latency.exact ? "exact" : "log histogram, <1% error");
  if (!r.arms.empty()) {
    absl::StrAppendFormat(&out, "arms (%s)\n", o.arm_header);
    for (const auto& [arm, n] : r.arms) absl::StrAppendFormat(&out, "  %-20s %d\n", arm, n);
  }
  if (r.sticky) {
    absl::StrAppendFormat(&out,
                          "sticky (%s)   %d keys: %d seen, %d with an arm, %d served by more "
                          "than one arm\n",
                          o.sticky_header, o.keys, r.keys_seen, r.keys_with_arm,
                          r.keys_multi_arm);
  }
  return out;
}

}  // namespace modelgate::tools
