// The Prometheus families the shadow comparers export (DESIGN.md §8 naming), declared once here.
// Labels come from the config (route, shadow, tensor names of the configured model outputs) or
// from small fixed sets (kind, basis), never from traffic.
//
//   modelgate_shadow_mismatch_total{route,shadow,kind}   kind: status, bytes, decode_error, and
//                                                         per tensor value_mismatch,
//                                                         shape_mismatch, datatype_mismatch,
//                                                         missing_in_shadow, extra_in_shadow, ...
//   modelgate_shadow_latency_delta_seconds{route,shadow} histogram of shadow - primary latency
//                                                         (both answered OK)
//   modelgate_shadow_status_agreement_ratio{route,shadow} share of samples with equal codes
//   modelgate_shadow_bytes_equal_ratio{route,shadow}      share of OK pairs with equal bytes
//   modelgate_shadow_tensor_agreement_ratio{route,shadow,tensor}  elements within tolerance
//   modelgate_shadow_tensor_max_abs_error{route,shadow,tensor}
//   modelgate_shadow_argmax_agreement_ratio{route,shadow,tensor}  argmax outputs only
//   modelgate_shadow_tensor_difference_rate{route,shadow,tensor,basis}  basis: raw,
//                                                         noise_adjusted (Diffy-style)
// (modelgate_shadow_requests_total and the max_inflight drops are counted by the data plane,
// telemetry/metrics.h; modelgate_shadow_dropped_total{reason="compare_queue_full"} here.)
#pragma once

#include <vector>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace modelgate::shadow {

struct ShadowFamilies {
  prometheus::Family<prometheus::Counter>* mismatches = nullptr;
  prometheus::Family<prometheus::Counter>* dropped = nullptr;
  prometheus::Family<prometheus::Histogram>* latency_delta = nullptr;
  prometheus::Family<prometheus::Gauge>* status_agreement = nullptr;
  prometheus::Family<prometheus::Gauge>* bytes_equal = nullptr;
  prometheus::Family<prometheus::Gauge>* tensor_agreement = nullptr;
  prometheus::Family<prometheus::Gauge>* tensor_max_abs_error = nullptr;
  prometheus::Family<prometheus::Gauge>* argmax_agreement = nullptr;
  prometheus::Family<prometheus::Gauge>* tensor_difference_rate = nullptr;

  // Thread-safe (the registry locks); registering again returns the same families.
  static ShadowFamilies Register(prometheus::Registry& registry);
  // Symmetric around 0: a shadow may be faster or slower than the primary.
  static const std::vector<double>& LatencyDeltaBuckets();
};

}  // namespace modelgate::shadow
