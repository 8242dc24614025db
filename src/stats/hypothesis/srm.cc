// Sample Ratio Mismatch: chi-square goodness of fit with the tail from Boost.Math.
#include "stats/hypothesis/srm.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "stats/hypothesis/distributions.h"

namespace modelgate::stats {

absl::StatusOr<SrmResult> CheckSampleRatio(absl::Span<const int64_t> observed,
                                           absl::Span<const double> weights, double threshold) {
  if (observed.empty() || observed.size() != weights.size()) {
    return absl::InvalidArgumentError(absl::StrCat("srm: ", observed.size(), " counts for ",
                                                   weights.size(), " weights"));
  }
  if (!(threshold > 0.0 && threshold < 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("srm: threshold must be in (0, 1), got ",
                                                   threshold));
  }
  double weight_sum = 0.0;
  int positive_arms = 0;
  SrmResult r;
  r.threshold = threshold;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0.0) {
      return absl::InvalidArgumentError(
          absl::StrCat("srm: weight ", i, " must be finite and >= 0, got ", weights[i]));
    }
    if (observed[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("srm: count ", i, " is negative (", observed[i], ")"));
    }
    if (weights[i] > 0.0) {
      weight_sum += weights[i];
      ++positive_arms;
      r.total += observed[i];
    } else if (observed[i] > 0) {
      r.zero_weight_arm_has_traffic = true;
    }
  }
  if (positive_arms == 0) return absl::InvalidArgumentError("srm: all weights are zero");

  r.df = positive_arms - 1;
  if (r.df >= 1 && r.total > 0) {
    const double n = static_cast<double>(r.total);
    for (size_t i = 0; i < weights.size(); ++i) {
      if (weights[i] <= 0.0) continue;
      const double expected = n * weights[i] / weight_sum;
      const double diff = static_cast<double>(observed[i]) - expected;
      r.chi_square += diff * diff / expected;
    }
    r.p_value = dist::ChiSquaredSurvival(r.chi_square, r.df);
    r.computable = true;
  }
  if (r.zero_weight_arm_has_traffic) r.p_value = 0.0;
  r.srm = r.p_value < threshold;
  return r;
}

}  // namespace modelgate::stats
