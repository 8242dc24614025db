// Two-sample tests for comparing a candidate arm with a reference arm: Welch's t-test on
// streaming summaries (means), the two-proportion z-test (error/success rates) and the
// Mann-Whitney U test (latency distributions, on bounded reservoirs). Each returns every number
// it used, so results can be exported and audited.
//
// Direction: every difference is x - y. Pass the candidate as x and the reference as y to read
// "candidate minus reference" (the same order as scipy.stats.ttest_ind(x, y)).
//
// Degenerate inputs (too few samples, no variance, all values tied) are valid data, not errors:
// the result has computable == false, p_value == 1, statistics 0 and the interval collapsed to
// the point estimate, so nothing downstream sees NaN or infinity. Invalid arguments (confidence
// outside (0, 1), non-finite summaries, impossible counts) are absl::InvalidArgument errors.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "stats/sketch/reservoir.h"
#include "stats/welford.h"

namespace modelgate::stats {

struct WelchResult {
  bool computable = false;
  int64_t n_x = 0;
  int64_t n_y = 0;
  double mean_x = 0.0;
  double mean_y = 0.0;
  double var_x = 0.0;  // sample variances (n-1 denominator)
  double var_y = 0.0;
  double difference = 0.0;      // mean_x - mean_y
  double standard_error = 0.0;  // sqrt(var_x/n_x + var_y/n_y)
  double t = 0.0;
  double df = 0.0;  // Welch-Satterthwaite
  double p_value = 1.0;  // two-sided
  double confidence = 0.95;
  double ci_low = 0.0;  // t-interval of the difference at `confidence`
  double ci_high = 0.0;
  // Hedges' g: (mean_x - mean_y) / pooled sd, times the exact small-sample correction
  // J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), m = n_x + n_y - 2 (the familiar
  // 1 - 3/(4m - 1) is its approximation). 0 when the pooled sd is 0.
  double hedges_g = 0.0;
};

// Welch's unequal-variance t-test. Needs n >= 2 in each arm and a positive standard error.
absl::StatusOr<WelchResult> WelchTTest(const Welford& x, const Welford& y,
                                       double confidence = 0.95);

struct ProportionResult {
  bool computable = false;
  int64_t successes_x = 0;
  int64_t n_x = 0;
  int64_t successes_y = 0;
  int64_t n_y = 0;
  double p_x = 0.0;
  double p_y = 0.0;
  double difference = 0.0;     // p_x - p_y
  double pooled_se = 0.0;      // sqrt(p(1-p)(1/n_x + 1/n_y)), p pooled: used for z
  double z = 0.0;
  double p_value = 1.0;        // two-sided
  double unpooled_se = 0.0;    // sqrt(p_x(1-p_x)/n_x + p_y(1-p_y)/n_y): used for the CI,
                               // because under the alternative the rates differ
  double confidence = 0.95;
  double ci_low = 0.0;  // Wald interval of the difference
  double ci_high = 0.0;
};

// Two-proportion z-test. Needs n >= 1 in each arm and a pooled rate strictly inside (0, 1).
absl::StatusOr<ProportionResult> TwoProportionZTest(int64_t successes_x, int64_t n_x,
                                                    int64_t successes_y, int64_t n_y,
                                                    double confidence = 0.95);

struct MannWhitneyResult {
  bool computable = false;
  int64_t n_x = 0;  // sizes of the samples tested
  int64_t n_y = 0;
  int64_t seen_x = 0;  // sizes of the streams they were drawn from (== n_* for raw samples)
  int64_t seen_y = 0;
  double u_x = 0.0;  // U statistic of x: R_x - n_x(n_x+1)/2 (scipy's `statistic`)
  double u_y = 0.0;  // n_x n_y - u_x
  double mean_u = 0.0;  // n_x n_y / 2
  double sd_u = 0.0;    // tie-corrected
  double z = 0.0;       // (u_x - mean_u -+ 0.5) / sd_u, continuity-corrected toward 0
  double p_value = 1.0;  // two-sided, normal approximation, capped at 1
  // u_x / (n_x n_y) = P(X > Y) + P(X = Y)/2, the common-language effect size; 0.5 = no shift.
  double common_language_effect = 0.5;
};

// Mann-Whitney U (Wilcoxon rank-sum) with mid-ranks for ties, the tie-corrected variance
// sigma^2 = n_x n_y / 12 * ((N+1) - sum(t^3 - t) / (N(N-1))), continuity correction and the
// normal approximation (scipy: method='asymptotic', use_continuity=True). Needs n >= 1 per arm
// and not all values tied. O(N log N) time and O(N) scratch memory: call it off the hot path.
absl::StatusOr<MannWhitneyResult> MannWhitneyU(absl::Span<const double> x,
                                               absl::Span<const double> y);

// The same test on two reservoirs, i.e. on uniform subsamples of the streams.
//
// Error of this method: the sampling is value-blind, so under H0 the subsamples are exchangeable
// and the test keeps its level; what is lost is power, which is that of min(seen, capacity)
// samples per arm. The effect size is estimated with a standard error of about
// sqrt((k_x + k_y + 1) / (12 k_x k_y)) (its value under no shift; k = reservoir sizes): 0.013
// for 1,000 per arm. The normal approximation itself is accurate to O(1/N) once both arms have
// more than ~20 samples.
absl::StatusOr<MannWhitneyResult> MannWhitneyU(const Reservoir<double>& x,
                                               const Reservoir<double>& y);

}  // namespace modelgate::stats
