// Sample Ratio Mismatch check: does the observed split of traffic across arms match the
// configured weights? A mismatch means assignment or logging is broken and every comparison on
// that route is suspect, whatever its p-value.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace modelgate::stats {

// Fabijan et al. (KDD 2019): flag at p < 0.0005. Strict because the check runs continuously on
// every route and a false alarm stops an experiment.
inline constexpr double kDefaultSrmThreshold = 0.0005;

struct SrmResult {
  // False when there is nothing to test: no traffic in the weighted arms, or fewer than two
  // arms with positive weight. A zero-weight arm with traffic still sets `srm`.
  bool computable = false;
  int64_t total = 0;  // observations in arms with positive weight
  double chi_square = 0.0;  // sum over positive-weight arms of (O - E)^2 / E, E = total * w_i
  int df = 0;  // number of positive-weight arms - 1
  double p_value = 1.0;  // upper tail of chi-square(df); 0 if a zero-weight arm has traffic
  double threshold = kDefaultSrmThreshold;
  // An arm configured with weight 0 received traffic: under the configuration that is
  // impossible, so it is an SRM by itself (p = 0), whatever the other arms look like.
  bool zero_weight_arm_has_traffic = false;
  bool srm = false;  // p_value < threshold
};

// Chi-square goodness of fit of `observed` counts against `weights` (any non-negative scale;
// normalised over the arms). Errors: sizes differ or are empty, a negative or non-finite
// weight, all weights zero, a negative count, threshold outside (0, 1).
absl::StatusOr<SrmResult> CheckSampleRatio(absl::Span<const int64_t> observed,
                                           absl::Span<const double> weights,
                                           double threshold = kDefaultSrmThreshold);

}  // namespace modelgate::stats
