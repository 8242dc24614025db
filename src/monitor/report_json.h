// Pieces of a RouteMonitor's JSON report and gauges: how a "not computed" number (NaN) is
// shown (null, never a placeholder), verdict encodings, which KS numbers a drift row reports,
// and the JSON of one comparison row and one drift row. Pure functions; thread-safe.
#pragma once

#include <string>

#include "config/config.h"
#include "monitor/comparison.h"
#include "monitor/evaluation.h"
#include "monitor/tensor_drift.h"
#include "nlohmann/json.hpp"
#include "stats/drift/report.h"
#include "stats/hypothesis/verdict.h"
#include "stats/sketch/ddsketch.h"

namespace modelgate::monitor {

// NaN (not computed) becomes null; every other value is kept as it is.
nlohmann::json JsonNumber(double v);

// Gauge encoding: 1 pass, 0 inconclusive, -1 fail.
double VerdictGaugeValue(stats::Verdict v);
std::string VerdictName(stats::Verdict v);

// The q-quantile of a sketch, NaN when it is empty.
double SketchQuantile(const stats::DDSketch& sketch, double q);

// The KS numbers a drift row reports: the test on the raw-value samples when it was run (exact
// D, p-value by SciPy's asymptotic method), else the binned lower bound with its conservative
// p-value. NaN / null method while the report has no measures.
struct KsView {
  double statistic = kNotComputed;
  double p_value = kNotComputed;
  const char* method = nullptr;  // "sample" or "binned"
};
KsView PreferredKs(const stats::DriftReport& report);

nlohmann::json ComparisonRowJson(const ComparisonRow& row);

// The whole report (GET /api/v1/routes/{name}/stats; schema in route_monitor.h) of an
// evaluation made with `config`.
nlohmann::json EvaluationJson(const Evaluation& e, const config::MonitorConfig& config);
// `distance`: a candidate-vs-reference-arm row (adds "reference_arm").
nlohmann::json DriftRowJson(const std::string& tensor, bool is_output, const DriftRow& row,
                            bool distance);

}  // namespace modelgate::monitor
