// JSON and gauge encodings of monitor results.
#include "monitor/report_json.h"

#include "absl/time/time.h"

#include <cmath>

namespace modelgate::monitor {

using nlohmann::json;

json JsonNumber(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

double VerdictGaugeValue(stats::Verdict v) {
  switch (v) {
    case stats::Verdict::kPass:
      return 1;
    case stats::Verdict::kFail:
      return -1;
    case stats::Verdict::kInconclusive:
      return 0;
  }
  return 0;
}

std::string VerdictName(stats::Verdict v) { return std::string(stats::ToString(v)); }

double SketchQuantile(const stats::DDSketch& sketch, double q) {
  if (sketch.count() == 0) return kNotComputed;
  absl::StatusOr<double> v = sketch.Quantile(q);
  return v.ok() ? *v : kNotComputed;
}

KsView PreferredKs(const stats::DriftReport& r) {
  if (r.ks_sample.has_value()) return {r.ks_sample->statistic, r.ks_sample->pvalue, "sample"};
  if (r.status == stats::DriftStatus::kOk) {
    return {r.ks_statistic_binned, r.ks_pvalue_binned, "binned"};
  }
  return {};
}

json ComparisonRowJson(const ComparisonRow& r) {
  return {{"arm", r.arm},
          {"metric", r.metric},
          {"method", r.method},
          {"gate", r.gate},
          {"reference_value", JsonNumber(r.reference_value)},
          {"value", JsonNumber(r.value)},
          {"effect", JsonNumber(r.effect)},
          {"relative_effect", JsonNumber(r.relative_effect)},
          {"ci_low", JsonNumber(r.ci_low)},
          {"ci_high", JsonNumber(r.ci_high)},
          {"always_valid_p_value", JsonNumber(r.always_valid_p_value)},
          {"adjusted_p_value", JsonNumber(r.adjusted_p_value)},
          {"fixed_horizon_p_value", JsonNumber(r.fixed_horizon_p_value)},
          {"fixed_horizon_ci_low", JsonNumber(r.fixed_horizon_ci_low)},
          {"fixed_horizon_ci_high", JsonNumber(r.fixed_horizon_ci_high)},
          {"tau", JsonNumber(r.tau)},
          {"tolerance", JsonNumber(r.tolerance)},
          {"n_reference", r.n_reference},
          {"n", r.n},
          {"verdict", r.gate ? json(VerdictName(r.verdict)) : json(nullptr)}};
}

json DriftRowJson(const std::string& tensor, bool is_output, const DriftRow& row, bool distance) {
  const stats::DriftReport& r = row.report;
  const KsView ks = PreferredKs(r);
  json j = {{"arm", row.arm},
            {"tensor", tensor},
            {"kind", is_output ? "output" : "input"},
            {"status", std::string(stats::DriftStatusName(r.status))},
            {"reference_count", r.reference_count},
            {"current_count", r.current_count},
            {"reference_missing", r.reference_missing},
            {"current_missing", r.current_missing},
            {"psi", JsonNumber(r.psi)},
            {"psi_noise_floor", JsonNumber(r.psi_noise_floor)},
            {"js_distance", JsonNumber(r.js_distance)},
            {"ks_statistic", JsonNumber(ks.statistic)},
            {"ks_p_value", JsonNumber(ks.p_value)},
            {"ks_method", ks.method != nullptr ? json(ks.method) : json(nullptr)},
            {"wasserstein", JsonNumber(r.w1_binned)},
            {"wasserstein_normalized", JsonNumber(r.w1_normalized)},
            {"wasserstein_error_bound", JsonNumber(r.w1_error_bound)}};
  if (distance) j["reference_arm"] = row.against;
  return j;
}

nlohmann::json EvaluationJson(const Evaluation& e, const config::MonitorConfig& config) {
  using nlohmann::json;
  json arms = json::array();
  json observed = json::object(), share = json::object();
  for (size_t a = 0; a < e.arms.size(); ++a) {
    const ArmSummary& s = e.arms[a];
    arms.push_back({{"name", s.name},
                    {"weight", s.weight},
                    {"requests", s.requests},
                    {"errors", s.errors},
                    {"error_rate", JsonNumber(s.error_rate)},
                    {"latency",
                     {{"count", s.latency_count},
                      {"mean", JsonNumber(s.latency_mean)},
                      {"sd", JsonNumber(s.latency_sd)},
                      {"p50", JsonNumber(s.latency_p50)},
                      {"p90", JsonNumber(s.latency_p90)},
                      {"p99", JsonNumber(s.latency_p99)}}},
                    {"epoch",
                     {{"requests", s.epoch_requests},
                      {"errors", s.epoch_errors},
                      {"error_rate", JsonNumber(s.epoch_error_rate)},
                      {"latency_p99", JsonNumber(s.epoch_latency_p99)}}}});
    if (a < e.srm.observed.size()) observed[s.name] = e.srm.observed[a];
    if (a < e.srm.expected_share.size()) share[s.name] = e.srm.expected_share[a];
  }
  const SrmSummary& r = e.srm;
  json srm = {{"chi2", JsonNumber(r.chi2)},
              {"df", r.evaluated ? json(r.df) : json(nullptr)},
              {"p_value", JsonNumber(r.p_value)},
              {"threshold", r.threshold},
              {"detected", r.detected},
              {"evaluated", r.evaluated},
              {"unit", r.users ? "users" : "requests"},
              {"sample_level", r.sample_level ? json(*r.sample_level) : json(nullptr)},
              {"observed", observed},
              {"expected_share", share}};
  json comparisons = json::array();
  for (const ComparisonRow& c : e.comparisons) comparisons.push_back(ComparisonRowJson(c));
  json drift = json::array(), distance = json::array();
  for (const TensorRow& t : e.drift) drift.push_back(DriftRowJson(t.tensor, t.is_output, t.row, false));
  for (const TensorRow& t : e.distance) {
    distance.push_back(DriftRowJson(t.tensor, t.is_output, t.row, true));
  }
  return {{"route", e.route},
          {"evaluated_at", absl::FormatTime(absl::RFC3339_full, e.evaluated_at,
                                            absl::UTCTimeZone())},
          {"reference_arm", e.reference_arm.empty() ? json(nullptr) : json(e.reference_arm)},
          {"verdict", VerdictName(e.verdict)},
          {"settings",
           {{"alpha", config.alpha},
            {"correction", config.correction},
            {"min_samples", config.min_samples},
            {"sequential_tau", config.sequential_tau},
            {"latency_tolerance", config.latency_tolerance},
            {"error_rate_tolerance", config.error_rate_tolerance},
            {"srm_threshold", config.srm_threshold},
            {"interval_seconds", config.interval_seconds}}},
          {"arms", std::move(arms)},
          {"srm", std::move(srm)},
          {"comparisons", std::move(comparisons)},
          {"drift", std::move(drift)},
          {"distance", std::move(distance)},
          {"payload",
           {{"enabled", e.payload.enabled},
            {"decoded", e.payload.decoded},
            {"dropped", e.payload.dropped},
            {"decode_errors", e.payload.decode_errors}}}};
}

}  // namespace modelgate::monitor
