// Verdict and ComparisonResult: the outcome of comparing one metric between a candidate arm and
// the reference arm, in the shape the proxy exports (Prometheus gauges, admin JSON).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace modelgate::stats {

// kInconclusive is a first-class answer: too little data, a degenerate sample or a test that
// has not yet crossed its boundary. Guessing pass or fail on little data is what this avoids.
enum class Verdict { kPass, kFail, kInconclusive };

// Lower-case names as exported ("pass", "fail", "inconclusive").
constexpr std::string_view ToString(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

struct ComparisonResult {
  std::string metric;  // e.g. "latency_seconds", "error_rate"
  bool computable = false;  // false: the numbers below are placeholders, verdict inconclusive
  double effect = 0.0;   // candidate - reference, in the metric's unit
  double ci_low = 0.0;   // fixed-horizon confidence interval of `effect`
  double ci_high = 0.0;
  double p_value = 1.0;  // fixed-horizon p-value: for display, not for automatic decisions
  double always_valid_p_value = 1.0;  // mSPRT p-value: safe to act on at any time
  int64_t n_reference = 0;
  int64_t n_candidate = 0;
  Verdict verdict = Verdict::kInconclusive;
};

}  // namespace modelgate::stats
