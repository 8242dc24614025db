// Multiple-comparison corrections across the metrics of one route: Holm's step-down procedure
// (controls the family-wise error rate) and Benjamini-Hochberg (controls the false discovery
// rate under independence or positive dependence). Both give adjusted p-values, so a threshold
// can be applied later and the numbers exported.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace modelgate::stats {

struct AdjustedPValues {
  std::vector<double> adjusted;  // in the input order, each in [0, 1]
  std::vector<bool> reject;      // adjusted <= alpha, in the input order
};

// Holm (1979). With p sorted ascending, p_(1) <= ... <= p_(m):
//   adjusted_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)).
// Rejecting adjusted <= alpha is the step-down rule "reject while p_(i) <= alpha / (m - i + 1)".
// Errors: a p-value outside [0, 1] or NaN, alpha outside (0, 1). Empty input gives empty output.
absl::StatusOr<AdjustedPValues> HolmAdjust(absl::Span<const double> p_values,
                                           double alpha = 0.05);

// Benjamini-Hochberg (1995):
//   adjusted_(i) = min_{j >= i} min(1, m p_(j) / j).
// Rejecting adjusted <= q is the step-up rule "find the largest i with p_(i) <= i q / m and
// reject 1..i". Same errors as HolmAdjust.
absl::StatusOr<AdjustedPValues> BenjaminiHochbergAdjust(absl::Span<const double> p_values,
                                                        double q = 0.05);

}  // namespace modelgate::stats
