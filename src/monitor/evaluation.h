// What one evaluation of a route monitor found, as typed values: per-arm summaries, the
// sample-ratio check, the comparisons with the reference arm, drift, payload counts and the
// route's verdict. The JSON report (report_json.h) and the Prometheus gauges are both rendered
// from it, and controllers read it directly (a canary's gates), so nothing parses the report.
// A value that could not be computed is NaN (rendered as null; no gauge series).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "monitor/comparison.h"
#include "monitor/tensor_drift.h"
#include "stats/hypothesis/verdict.h"

namespace modelgate::monitor {

struct ArmSummary {
  std::string name;
  int64_t weight = 0;            // current traffic share (relative)
  int64_t requests = 0;          // every call recorded since the monitor started
  int64_t errors = 0;            // calls with one of the route's error codes
  double error_rate = kNotComputed;  // errors over the calls the error rate counts
  int64_t latency_count = 0;     // successful calls with a latency
  double latency_mean = kNotComputed;
  double latency_sd = kNotComputed;
  double latency_p50 = kNotComputed;
  double latency_p90 = kNotComputed;
  double latency_p99 = kNotComputed;
  // The current weight epoch only (a canary's step): its calls, error rate and p99.
  int64_t epoch_requests = 0;
  int64_t epoch_errors = 0;
  double epoch_error_rate = kNotComputed;
  double epoch_latency_p99 = kNotComputed;
};

struct SrmSummary {
  bool evaluated = false;  // enough data (or a zero-weight arm got traffic)
  bool detected = false;
  double chi2 = kNotComputed;
  int df = 0;
  double p_value = kNotComputed;
  double threshold = 0;
  bool users = false;  // the unit is users (sticky routes), else requests
  std::optional<int> sample_level;  // users only: keys sampled with probability 2^-level
  std::vector<int64_t> observed;    // per arm, in the current weight epoch
  std::vector<double> expected_share;
};

struct PayloadSummary {
  bool enabled = false;
  int64_t decoded = 0;
  int64_t dropped = 0;
  int64_t decode_errors = 0;
};

// A drift row with the label of its tensor.
struct TensorRow {
  std::string tensor;
  bool is_output = true;
  DriftRow row;
};

struct Evaluation {
  std::string route;
  absl::Time evaluated_at;
  std::string reference_arm;
  stats::Verdict verdict = stats::Verdict::kInconclusive;
  std::vector<ArmSummary> arms;  // in arm order
  SrmSummary srm;
  std::vector<ComparisonRow> comparisons;
  // Rows with their tensor's label: each arm against its own reference window (drift), and
  // each candidate against the reference arm (distance).
  std::vector<TensorRow> drift;
  std::vector<TensorRow> distance;
  PayloadSummary payload;

  // The arm called `name`, or nullptr.
  const ArmSummary* Arm(const std::string& name) const {
    for (const ArmSummary& a : arms)
      if (a.name == name) return &a;
    return nullptr;
  }
  // The comparison of `arm` on `metric`, or nullptr.
  const ComparisonRow* Comparison(const std::string& arm, const std::string& metric) const {
    for (const ComparisonRow& r : comparisons)
      if (r.arm == arm && r.metric == metric) return &r;
    return nullptr;
  }
};

}  // namespace modelgate::monitor
