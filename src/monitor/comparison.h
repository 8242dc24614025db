// Candidate-vs-reference comparisons of one route and the rules that turn them into verdicts.
//
// Per candidate arm, three rows (x = candidate, y = reference; every effect is x - y):
//   latency_mean          Welch's t-test (fixed horizon) and an mSPRT on the difference of means
//                         (always valid). Gate.
//   error_rate            two-proportion z-test (fixed horizon) and an mSPRT on the difference of
//                         proportions (always valid). Gate.
//   latency_distribution  Mann-Whitney U on the latency reservoirs (fixed horizon only); effect =
//                         P(X > Y) + P(X = Y)/2 - 1/2 in [-1/2, 1/2], > 0 = candidate slower.
//                         Descriptive: there is no always-valid version of it on a bounded
//                         reservoir (the subsample is replaced as traffic flows, which breaks
//                         the martingale the mSPRT needs), so it never gates a decision.
//
// Mixture scale. config.sequential_tau is in standard deviations of the metric; the Msprt API
// takes tau in the metric's unit. The first evaluation at which both arms have min_samples
// values freezes tau = sequential_tau * pooled sd (latency: pooled within-arm sd; errors:
// sqrt(p(1-p)) of the pooled rate with one pseudo-error and one pseudo-success per arm, so an
// arm with no error yet still gives a positive scale). Frozen, so the mixture — and hence the
// martingale — does not move afterwards; the mSPRT's own burn-in is min_samples too.
//
// Proportions variance. The plug-in variance p(1-p)/n is 0 for an arm with no error, which
// gives an mSPRT no evidence (and a healthy model with zero errors could never pass) and
// understates the variance of rare events. We use the Agresti-Caffo counts (x+1)/(n+2) for the
// VARIANCE only (the estimate stays x/n): V = sum p~(1-p~)/n. This is conservative for rare
// events and vanishes as n grows.
//
// Unit of analysis. On a sticky route the split randomises USERS, and one user's requests are
// correlated, so request-level variances overstate the evidence (a heavy user alone can make
// an arm look different). There, latency_mean and error_rate use the cluster-robust variance
// of each arm's mean over 256 buckets of users (stats/hypothesis/clustered_ratio.h, a jackknife
// over buckets), floored at the iid variance, in both the mSPRT and the fixed-horizon z-test
// (method "clustered_z+msprt"). Elsewhere requests are randomised one by one and Welch / the
// two-proportion z-test apply ("welch_t+msprt", "two_proportion_z+msprt").
//
// Verdict of a gate row (higher latency and higher error rate are worse):
//   inconclusive  while either arm has fewer than min_samples values;
//   fail          adjusted always-valid p <= alpha and the whole confidence sequence lies above
//                 +tolerance (latency: latency_tolerance * reference mean; errors:
//                 error_rate_tolerance, absolute): significantly AND materially worse, in a
//                 way that stays valid under continuous re-evaluation;
//   pass          the confidence sequence lies inside (-tolerance, +tolerance), or adjusted
//                 p <= alpha and the sequence lies below 0 (significantly better);
//   inconclusive  otherwise (e.g. significantly worse but the sequence still reaches into the
//                 tolerance band: more data decides).
// The multiple-comparison correction (holm | bh | none) runs over all gate rows of the route
// (2 per candidate arm, fixed), on the always-valid p-values: each is a valid p-value at any
// stopping time, so Holm keeps the family-wise and BH the false-discovery rate at any time.
// A row whose mSPRT has not started yet enters the family with p = 1.
//
// Route verdict: fail if a sample-ratio mismatch is detected or any gate row fails; pass if
// every gate row passes; otherwise (including a route with one arm) inconclusive.
//
// Thread-safety: ArmComparator is not thread-safe (one evaluator); the functions are pure.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "monitor/outcome_recorder.h"
#include "stats/hypothesis/sequential.h"
#include "stats/hypothesis/verdict.h"

namespace modelgate::monitor {

inline constexpr double kNotComputed = std::numeric_limits<double>::quiet_NaN();

// Numbers are NaN when not computed (too little data, degenerate sample); NaN never leaves the
// process: JSON shows null and the gauge is absent.
struct ComparisonRow {
  std::string arm;     // candidate arm
  std::string metric;  // latency_mean | latency_distribution | error_rate
  std::string method;
  bool gate = false;  // takes part in verdicts and the multiple-comparison correction
  int64_t n_reference = 0;
  int64_t n = 0;
  bool enough_data = false;  // both arms have min_samples
  double reference_value = kNotComputed;
  double value = kNotComputed;
  double effect = kNotComputed;           // value - reference_value (see header for MWU)
  double relative_effect = kNotComputed;  // effect / reference_value
  // Always-valid (mSPRT) results.
  double tau = kNotComputed;  // mixture sd in the metric's unit, once frozen
  double always_valid_p_value = kNotComputed;
  double adjusted_p_value = kNotComputed;
  double ci_low = kNotComputed;  // confidence sequence (running intersection)
  double ci_high = kNotComputed;
  int direction = 0;  // +1: evidence says candidate higher, -1 lower, 0 undecided
  // Fixed-horizon results: valid for ONE look at a sample size fixed in advance. Shown for
  // reference, never used for decisions.
  double fixed_horizon_p_value = kNotComputed;
  double fixed_horizon_ci_low = kNotComputed;
  double fixed_horizon_ci_high = kNotComputed;
  double tolerance = kNotComputed;  // absolute half-width of the "no practical difference" band
  stats::Verdict verdict = stats::Verdict::kInconclusive;
};

// Compares one candidate arm with the reference arm. Keeps the sequential tests' state, so it
// must see cumulative totals, evaluation after evaluation.
class ArmComparator {
 public:
  ArmComparator(std::string arm, const config::MonitorConfig& config);

  // Appends this arm's three rows (before adjustment and verdicts).
  void Compare(const ArmTotals& reference, const ArmTotals& candidate,
               std::vector<ComparisonRow>* rows);

 private:
  void CompareLatencyMean(const ArmTotals& reference, const ArmTotals& candidate,
                          ComparisonRow* row);
  void CompareLatencyDistribution(const ArmTotals& reference, const ArmTotals& candidate,
                                  ComparisonRow* row);
  void CompareErrorRate(const ArmTotals& reference, const ArmTotals& candidate, ComparisonRow* row);
  std::optional<stats::Msprt> StartMsprt(double sd) const;

  std::string arm_;
  double alpha_;
  int64_t min_samples_;
  double tau_sd_;
  double latency_tolerance_;
  double error_rate_tolerance_;
  std::optional<stats::Msprt> latency_test_;
  std::optional<stats::Msprt> error_test_;
};

// Sets adjusted_p_value of the gate rows (config.correction) and every row's verdict.
void DecideComparisons(const config::MonitorConfig& config, std::vector<ComparisonRow>* rows);

stats::Verdict DecideRoute(bool srm_detected, const std::vector<ComparisonRow>& rows);

}  // namespace modelgate::monitor
