// The Prometheus families the monitors export (DESIGN.md §8 naming), declared once here. Labels
// are bounded: route, arm, metric, tensor, method, quantile — all taken from the config, never
// from traffic.
//
//   modelgate_route_verdict{route}                      1 pass, 0 inconclusive, -1 fail
//   modelgate_srm_pvalue{route}                         sample-ratio chi-square p-value
//   modelgate_srm_detected{route}                       1 when p < srm_threshold
//   modelgate_arm_latency_seconds{route,arm,quantile}   summary: 0.5 / 0.9 / 0.99 of successful
//                                                       calls, _count and _sum (published as
//                                                       gauges, folded by telemetry/summary_fold)
//   modelgate_arm_error_ratio{route,arm}                non-OK / all, since the monitor started
//   modelgate_compare_pvalue{route,arm,metric}          ALWAYS-VALID (mSPRT) p-value
//   modelgate_compare_adjusted_pvalue{route,arm,metric} the same after Holm / BH
//   modelgate_compare_effect{route,arm,metric}          candidate - reference
//   modelgate_compare_ci_lower/upper{route,arm,metric}  always-valid confidence sequence
//   modelgate_compare_verdict{route,arm,metric}         1 pass, 0 inconclusive, -1 fail
//   modelgate_drift_score{route,arm,tensor,method}      vs the arm's own reference
//   modelgate_drift_pvalue{route,arm,tensor}            KS p-value of the current window
//   modelgate_arm_distance{route,arm,tensor,method}     candidate window vs reference arm window
//   modelgate_arm_distance_pvalue{route,arm,tensor}     KS p-value of that comparison
//   modelgate_monitor_dropped_total{route}              payloads not queued (queue full)
//   modelgate_monitor_decoded_total{route}              payloads decoded and recorded
//   modelgate_monitor_decode_errors_total{route}        payloads that failed to decode
// method is one of psi, ks, wasserstein (W1 / reference sd), js (Jensen-Shannon distance).
#pragma once

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace modelgate::monitor {

// Pointers into the registry; registering again (another monitor, InsertBehavior::Merge)
// returns the same families. Families are never removed, only their series.
struct MonitorFamilies {
  prometheus::Family<prometheus::Gauge>* route_verdict = nullptr;
  prometheus::Family<prometheus::Gauge>* srm_pvalue = nullptr;
  prometheus::Family<prometheus::Gauge>* srm_detected = nullptr;
  prometheus::Family<prometheus::Gauge>* arm_latency = nullptr;  // quantile label
  prometheus::Family<prometheus::Gauge>* arm_latency_count = nullptr;
  prometheus::Family<prometheus::Gauge>* arm_latency_sum = nullptr;
  prometheus::Family<prometheus::Gauge>* arm_error_ratio = nullptr;
  prometheus::Family<prometheus::Gauge>* compare_pvalue = nullptr;
  prometheus::Family<prometheus::Gauge>* compare_adjusted_pvalue = nullptr;
  prometheus::Family<prometheus::Gauge>* compare_effect = nullptr;
  prometheus::Family<prometheus::Gauge>* compare_ci_lower = nullptr;
  prometheus::Family<prometheus::Gauge>* compare_ci_upper = nullptr;
  prometheus::Family<prometheus::Gauge>* compare_verdict = nullptr;
  prometheus::Family<prometheus::Gauge>* drift_score = nullptr;
  prometheus::Family<prometheus::Gauge>* drift_pvalue = nullptr;
  prometheus::Family<prometheus::Gauge>* arm_distance = nullptr;
  prometheus::Family<prometheus::Gauge>* arm_distance_pvalue = nullptr;
  prometheus::Family<prometheus::Counter>* dropped = nullptr;
  prometheus::Family<prometheus::Counter>* decoded = nullptr;
  prometheus::Family<prometheus::Counter>* decode_errors = nullptr;

  // Thread-safe (the registry locks).
  static MonitorFamilies Register(prometheus::Registry& registry);
};

}  // namespace modelgate::monitor
