// Family declarations for the shadow comparers.
#include "shadow/shadow_families.h"

#include "telemetry/family.h"
#include "telemetry/metrics.h"

namespace modelgate::shadow {
using telemetry::GaugeFamily;

ShadowFamilies ShadowFamilies::Register(prometheus::Registry& r) {
  ShadowFamilies f;
  f.mismatches = &prometheus::BuildCounter()
                      .Name("modelgate_shadow_mismatch_total")
                      .Help(
                          "Shadow answers that differ from the primary's, by route, shadow and "
                          "kind (status, bytes, decode_error, or a tensor comparison's kind).")
                      .Register(r);
  f.dropped = telemetry::Metrics::ShadowDroppedFamily(r);
  f.latency_delta = &prometheus::BuildHistogram()
                         .Name("modelgate_shadow_latency_delta_seconds")
                         .Help(
                             "Shadow latency minus the primary's for the same call (both "
                             "answered OK), by route and shadow.")
                         .Register(r);
  f.status_agreement =
      GaugeFamily(r, "modelgate_shadow_status_agreement_ratio",
                  "Share of compared calls where the shadow's status code equals the "
                  "primary's.");
  f.bytes_equal = GaugeFamily(r, "modelgate_shadow_bytes_equal_ratio",
                              "Share of calls both answered OK whose response messages are "
                              "byte-identical.");
  f.tensor_agreement = GaugeFamily(r, "modelgate_shadow_tensor_agreement_ratio",
                                   "Share of an output tensor's elements within the configured "
                                   "tolerance of the primary's.");
  f.tensor_max_abs_error = GaugeFamily(r, "modelgate_shadow_tensor_max_abs_error",
                                       "Largest absolute difference seen in an output tensor.");
  f.argmax_agreement = GaugeFamily(r, "modelgate_shadow_argmax_agreement_ratio",
                                   "Share of rows of a class-score output whose argmax equals the "
                                   "primary's.");
  f.tensor_difference_rate =
      GaugeFamily(r, "modelgate_shadow_tensor_difference_rate",
                  "Share of calls where an output tensor differs from the primary's: raw, and "
                  "noise_adjusted (minus the noise reference's own difference rate).");
  return f;
}

const std::vector<double>& ShadowFamilies::LatencyDeltaBuckets() {
  static const std::vector<double> kBuckets = {
      -5,     -1,    -0.5,   -0.25, -0.1, -0.05, -0.025, -0.01, -0.005, -0.0025, -0.001, -0.0005, 0,
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,   0.1,   0.25,   0.5,     1,      5};
  return kBuckets;
}

}  // namespace modelgate::shadow
