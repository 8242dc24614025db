// Family declarations for the monitors.
#include "monitor/monitor_metrics.h"

#include "telemetry/family.h"

namespace modelgate::monitor {
using telemetry::CounterFamily;
using telemetry::GaugeFamily;

MonitorFamilies MonitorFamilies::Register(prometheus::Registry& r) {
  MonitorFamilies f;
  f.route_verdict = GaugeFamily(r, "modelgate_route_verdict",
                                "Route verdict: 1 pass, 0 inconclusive, -1 fail (SRM or a failed "
                                "comparison).");
  f.srm_pvalue = GaugeFamily(r, "modelgate_srm_pvalue",
                             "Sample ratio mismatch: chi-square p-value of observed vs configured "
                             "split.");
  f.srm_detected =
      GaugeFamily(r, "modelgate_srm_detected", "1 when the SRM p-value is below srm_threshold.");
  f.arm_latency =
      GaugeFamily(r, "modelgate_arm_latency_seconds",
                  "Latency quantiles of successful calls per arm (DDSketch, 1% relative "
                  "error), since the monitor started.");
  // Folded with arm_latency into one summary at exposition (telemetry/summary_fold.h).
  f.arm_latency_count = GaugeFamily(r, "modelgate_arm_latency_seconds_count",
                                    "Successful calls behind modelgate_arm_latency_seconds.");
  f.arm_latency_sum = GaugeFamily(r, "modelgate_arm_latency_seconds_sum",
                                  "Total latency of those calls, seconds.");
  f.arm_error_ratio = GaugeFamily(r, "modelgate_arm_error_ratio",
                                  "Non-OK calls / all calls per arm, since the monitor started.");
  f.compare_pvalue =
      GaugeFamily(r, "modelgate_compare_pvalue",
                  "Always-valid (mSPRT) p-value of candidate vs reference arm; safe to "
                  "read at any time.");
  f.compare_adjusted_pvalue =
      GaugeFamily(r, "modelgate_compare_adjusted_pvalue",
                  "Always-valid p-value after the route's multiple-comparison correction.");
  f.compare_effect = GaugeFamily(r, "modelgate_compare_effect",
                                 "Candidate minus reference (seconds for latency_mean, rate for "
                                 "error_rate, P(X>Y)+P(X=Y)/2-1/2 for latency_distribution).");
  f.compare_ci_lower =
      GaugeFamily(r, "modelgate_compare_ci_lower",
                  "Lower end of the always-valid confidence sequence of the effect.");
  f.compare_ci_upper =
      GaugeFamily(r, "modelgate_compare_ci_upper",
                  "Upper end of the always-valid confidence sequence of the effect.");
  f.compare_verdict = GaugeFamily(r, "modelgate_compare_verdict",
                                  "Comparison verdict: 1 pass, 0 inconclusive, -1 fail.");
  f.drift_score = GaugeFamily(r, "modelgate_drift_score",
                              "Drift of an arm's tensor values (sliding window) vs its reference.");
  f.drift_pvalue = GaugeFamily(r, "modelgate_drift_pvalue",
                               "Two-sample KS p-value of the current window vs the reference.");
  f.arm_distance = GaugeFamily(r, "modelgate_arm_distance",
                               "Distribution distance of a candidate arm's tensor values vs the "
                               "reference arm's (both sliding windows).");
  f.arm_distance_pvalue =
      GaugeFamily(r, "modelgate_arm_distance_pvalue",
                  "Two-sample KS p-value of candidate vs reference arm windows.");
  f.dropped = CounterFamily(r, "modelgate_monitor_dropped_total",
                            "Sampled payloads dropped because the route's decode queue was full.");
  f.decoded = CounterFamily(r, "modelgate_monitor_decoded_total",
                            "Sampled payloads decoded and recorded by the monitor.");
  f.decode_errors =
      CounterFamily(r, "modelgate_monitor_decode_errors_total",
                    "Sampled payloads that could not be parsed or lacked a configured "
                    "tensor.");
  return f;
}

}  // namespace modelgate::monitor
