// Verdict: the outcome of comparing a candidate arm with the reference arm, with the names the
// proxy exports (Prometheus gauges, admin JSON).
#pragma once

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

}  // namespace modelgate::stats
