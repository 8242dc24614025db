// Comparisons (fixed-horizon and sequential), multiple-comparison adjustment and verdicts.
#include "monitor/comparison.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/math/distributions/normal.hpp>

#include "stats/hypothesis/multiple.h"
#include "stats/hypothesis/two_sample.h"
#include "stats/welford.h"

namespace modelgate::monitor {
namespace {

// Bernoulli data as moments: a Welford whose sample variance is p~(1-p~) * n/(n-1) with the
// Agresti-Caffo rate p~ = (x+1)/(n+2), and whose mean is the raw rate x/n. Fed to
// Msprt::UpdateMeans, V = var_x/n_x + var_y/n_y is then the regularised variance of the
// difference of rates (see comparison.h).while the estimate stays p_x - p_y.
stats::Welford RegularisedBernoulli(int64_t events, int64_t n) {
  if (n <= 0) return stats::Welford();
  const double nd = static_cast<double>(n);
  const double p = static_cast<double>(events) / nd;
  const double p_tilde = (static_cast<double>(events) + 1.0) / (nd + 2.0);
  // variance() = m2 / (n-1) = p~(1-p~) needs m2 = (n-1) p~(1-p~).
  return stats::Welford::FromMoments(n, p, (nd - 1.0) * p_tilde * (1.0 - p_tilde));
}

// Fills the always-valid fields of `row` from a sequential test that has started.
void FillSequential(const stats::MsprtState& st, double tau, ComparisonRow* row) {
  row->tau = tau;
  if (st.updates == 0) return;  // started but no evidence yet (e.g. no variance)
  row->always_valid_p_value = st.p_value;
  if (st.has_interval && st.cs_low <= st.cs_high) {
    row->ci_low = st.cs_low;
    row->ci_high = st.cs_high;
    row->direction = st.cs_low > 0 ? 1 : st.cs_high < 0 ? -1 : 0;
  } else if (st.has_interval) {
    // The running intersection became empty: the data moved away from every effect the
    // sequence once allowed (a sign of model misfit, e.g. non-stationary traffic). Report no
    // interval and let the current estimate give the direction.
    row->direction = st.estimate > 0 ? 1 : st.estimate < 0 ? -1 : 0;
  }
}

// The variance of a clustered mean for tests: the cluster-robust one, but never below the
// variance the same data would have as independent requests (`iid_variance`). Positive
// correlation within users (the usual case) only ever raises it; a value below the iid one is
// estimation noise, and claiming more precision than independent data would give is never safe.
// NaN when the clusters cannot estimate it (fewer than 2 buckets of users with data).
double ClusteredVariance(const stats::ClusteredRatio& c, double iid_variance) {
  const stats::RatioEstimate e = c.Estimate();
  if (!e.computable) return kNotComputed;
  return std::max(e.variance_of_mean, iid_variance);
}

// The variance of the difference of two arms' clustered means, each floored at the iid
// variance its moments `x` / `y` give. NaN unless both arms can estimate it.
double ClusteredDifferenceVariance(const stats::ClusteredRatio& cx, const stats::Welford& x,
                                   const stats::ClusteredRatio& cy, const stats::Welford& y) {
  if (x.count() < 2 || y.count() < 2) return kNotComputed;
  return ClusteredVariance(cx, x.variance() / static_cast<double>(x.count())) +
         ClusteredVariance(cy, y.variance() / static_cast<double>(y.count()));
}

// A fixed-horizon z-test for a difference with variance `v`: two-sided p and CI.
void FillFixedHorizonZ(double effect, double v, double alpha, ComparisonRow* row) {
  if (!(v > 0) || !std::isfinite(v) || !std::isfinite(effect)) return;
  const boost::math::normal normal;
  const double se = std::sqrt(v);
  const double z = effect / se;
  row->fixed_horizon_p_value = std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(
                                                        normal, std::abs(z))));
  const double q = boost::math::quantile(boost::math::complement(normal, alpha / 2));
  row->fixed_horizon_ci_low = effect - q * se;
  row->fixed_horizon_ci_high = effect + q * se;
}

}  // namespace

ArmComparator::ArmComparator(std::string arm, const config::MonitorConfig& config)
    : arm_(std::move(arm)),
      alpha_(config.alpha),
      min_samples_(config.min_samples),
      tau_sd_(config.sequential_tau),
      latency_tolerance_(config.latency_tolerance),
      error_rate_tolerance_(config.error_rate_tolerance) {}

std::optional<stats::Msprt> ArmComparator::StartMsprt(double sd) const {
  if (!(sd > 0) || !std::isfinite(sd)) return std::nullopt;
  stats::MsprtOptions options;
  options.tau = tau_sd_ * sd;
  options.theta0 = 0.0;
  options.alpha = alpha_;
  options.burn_in = min_samples_;
  absl::StatusOr<stats::Msprt> m = stats::Msprt::Create(options);
  if (!m.ok()) return std::nullopt;  // unreachable with a validated config
  return *std::move(m);
}

void ArmComparator::Compare(const ArmTotals& reference, const ArmTotals& candidate,
                            std::vector<ComparisonRow>* rows) {
  ComparisonRow latency, distribution, errors;
  CompareLatencyMean(reference, candidate, &latency);
  CompareLatencyDistribution(reference, candidate, &distribution);
  CompareErrorRate(reference, candidate, &errors);
  rows->push_back(std::move(latency));
  rows->push_back(std::move(distribution));
  rows->push_back(std::move(errors));
}

void ArmComparator::CompareLatencyMean(const ArmTotals& reference, const ArmTotals& candidate,
                                       ComparisonRow* row) {
  const stats::Welford& x = candidate.latency;
  const stats::Welford& y = reference.latency;
  row->arm = arm_;
  row->metric = "latency_mean";
  row->method = "welch_t+msprt";
  row->gate = true;
  row->n = x.count();
  row->n_reference = y.count();
  row->enough_data = row->n >= min_samples_ && row->n_reference >= min_samples_;
  if (y.count() > 0) {
    row->reference_value = y.mean();
    row->tolerance = latency_tolerance_ * y.mean();
  }
  if (x.count() > 0) row->value = x.mean();
  if (x.count() > 0 && y.count() > 0) {
    row->effect = x.mean() - y.mean();
    if (y.mean() > 0) row->relative_effect = row->effect / y.mean();
  }
  // Sticky route: users are the unit of randomisation, so the variance is the users'.
  const bool clustered = candidate.latency_by_user.enabled();
  double v_clustered = kNotComputed;
  if (clustered) {
    row->method = "clustered_z+msprt";
    v_clustered = ClusteredDifferenceVariance(candidate.latency_by_user, x,
                                              reference.latency_by_user, y);
    FillFixedHorizonZ(row->effect, v_clustered, alpha_, row);
  } else {
    absl::StatusOr<stats::WelchResult> welch = stats::WelchTTest(x, y, 1.0 - alpha_);
    if (welch.ok() && welch->computable) {
      row->fixed_horizon_p_value = welch->p_value;
      row->fixed_horizon_ci_low = welch->ci_low;
      row->fixed_horizon_ci_high = welch->ci_high;
    }
  }

  if (!latency_test_.has_value() && row->enough_data) {
    const double dof = static_cast<double>(x.count() + y.count() - 2);
    const double pooled_var = (x.m2() + y.m2()) / dof;  // within-arm, not the mixed sample
    latency_test_ = StartMsprt(std::sqrt(pooled_var));
  }
  if (latency_test_.has_value()) {
    // NaN variance (too few users yet) contributes no evidence.
    const stats::MsprtState& st =
        clustered ? latency_test_->UpdateEstimate(x.count(), y.count(), x.mean() - y.mean(),
                                                  v_clustered)
                  : latency_test_->UpdateMeans(x, y);
    FillSequential(st, latency_test_->options().tau, row);
  }
}

void ArmComparator::CompareLatencyDistribution(const ArmTotals& reference,
                                               const ArmTotals& candidate, ComparisonRow* row) {
  row->arm = arm_;
  row->metric = "latency_distribution";
  row->method = "mann_whitney_u";
  row->gate = false;
  row->n = static_cast<int64_t>(candidate.reservoir.sample().size());
  row->n_reference = static_cast<int64_t>(reference.reservoir.sample().size());
  row->enough_data =
      candidate.latency.count() >= min_samples_ && reference.latency.count() >= min_samples_;
  if (reference.sketch.count() > 0) {
    if (auto q = reference.sketch.Quantile(0.5); q.ok()) row->reference_value = *q;
  }
  if (candidate.sketch.count() > 0) {
    if (auto q = candidate.sketch.Quantile(0.5); q.ok()) row->value = *q;
  }
  if (row->n == 0 || row->n_reference == 0) return;
  absl::StatusOr<stats::MannWhitneyResult> mw =
      stats::MannWhitneyU(candidate.reservoir, reference.reservoir);
  if (mw.ok() && mw->computable) {
    row->effect = mw->common_language_effect - 0.5;
    row->fixed_horizon_p_value = mw->p_value;
  } else if (mw.ok()) {
    row->effect = 0.0;  // every value tied: no shift
  }
}

void ArmComparator::CompareErrorRate(const ArmTotals& reference, const ArmTotals& candidate,
                                     ComparisonRow* row) {
  row->arm = arm_;
  row->metric = "error_rate";
  row->method = "two_proportion_z+msprt";
  row->gate = true;
  row->n = candidate.error_sample;
  row->n_reference = reference.error_sample;
  row->enough_data = row->n >= min_samples_ && row->n_reference >= min_samples_;
  row->tolerance = error_rate_tolerance_;
  if (reference.error_sample > 0) {
    row->reference_value =
        static_cast<double>(reference.errors) / static_cast<double>(reference.error_sample);
  }
  if (candidate.error_sample > 0) {
    row->value = static_cast<double>(candidate.errors) / static_cast<double>(candidate.error_sample);
  }
  if (reference.error_sample > 0 && candidate.error_sample > 0) {
    row->effect = row->value - row->reference_value;
    if (row->reference_value > 0) row->relative_effect = row->effect / row->reference_value;
  }
  const stats::Welford bx = RegularisedBernoulli(candidate.errors, candidate.error_sample);
  const stats::Welford by = RegularisedBernoulli(reference.errors, reference.error_sample);
  const bool clustered = candidate.errors_by_user.enabled();
  double v_clustered = kNotComputed;
  if (clustered) {
    row->method = "clustered_z+msprt";
    // The regularised iid variance is the floor: it keeps an arm without errors from having
    // zero variance (see comparison.h).
    v_clustered = ClusteredDifferenceVariance(candidate.errors_by_user, bx,
                                              reference.errors_by_user, by);
    FillFixedHorizonZ(row->effect, v_clustered, alpha_, row);
  } else {
    absl::StatusOr<stats::ProportionResult> z = stats::TwoProportionZTest(
        candidate.errors, candidate.error_sample, reference.errors, reference.error_sample,
        1.0 - alpha_);
    if (z.ok() && z->computable) {
      row->fixed_horizon_p_value = z->p_value;
      row->fixed_horizon_ci_low = z->ci_low;
      row->fixed_horizon_ci_high = z->ci_high;
    }
  }

  if (!error_test_.has_value() && row->enough_data) {
    const double n = static_cast<double>(candidate.error_sample + reference.error_sample);
    const double p = (static_cast<double>(candidate.errors + reference.errors) + 2.0) / (n + 4.0);
    error_test_ = StartMsprt(std::sqrt(p * (1.0 - p)));
  }
  if (error_test_.has_value()) {
    const stats::MsprtState& st =
        clustered ? error_test_->UpdateEstimate(bx.count(), by.count(), bx.mean() - by.mean(),
                                                v_clustered)
                  : error_test_->UpdateMeans(bx, by);
    FillSequential(st, error_test_->options().tau, row);
  }
}

void DecideComparisons(const config::MonitorConfig& config, std::vector<ComparisonRow>* rows) {
  std::vector<size_t> gates;
  std::vector<double> p;
  for (size_t i = 0; i < rows->size(); ++i) {
    const ComparisonRow& r = (*rows)[i];
    if (!r.gate) continue;
    gates.push_back(i);
    p.push_back(std::isfinite(r.always_valid_p_value) ? r.always_valid_p_value : 1.0);
  }
  std::vector<double> adjusted = p;
  if (config.correction == "holm" || config.correction == "bh") {
    absl::StatusOr<stats::AdjustedPValues> a =
        config.correction == "holm" ? stats::HolmAdjust(p, config.alpha)
                                    : stats::BenjaminiHochbergAdjust(p, config.alpha);
    if (a.ok()) adjusted = std::move(a->adjusted);
  }
  for (size_t k = 0; k < gates.size(); ++k) {
    ComparisonRow& r = (*rows)[gates[k]];
    if (std::isfinite(r.always_valid_p_value)) r.adjusted_p_value = adjusted[k];
    r.verdict = stats::Verdict::kInconclusive;
    if (!r.enough_data) continue;
    const bool significant = adjusted[k] <= config.alpha;
    const bool within_tolerance = std::isfinite(r.ci_low) && std::isfinite(r.ci_high) &&
                                  std::isfinite(r.tolerance) && r.ci_low > -r.tolerance &&
                                  r.ci_high < r.tolerance;
    // Practical significance too: with enough traffic any difference, however small, becomes
    // significant, and a gate that failed on those would fail every candidate. The whole
    // confidence sequence must lie beyond the tolerance: unlike the point estimate (Kayenta's
    // rule), that stays valid however often the verdict is re-evaluated, so a regression
    // inside the tolerance does not fail by drifting past it at some look.
    const bool beyond_tolerance = std::isfinite(r.ci_low) && std::isfinite(r.tolerance) &&
                                  r.ci_low > r.tolerance;
    if (significant && r.direction > 0 && beyond_tolerance) {
      r.verdict = stats::Verdict::kFail;
    } else if (within_tolerance || (significant && r.direction < 0)) {
      r.verdict = stats::Verdict::kPass;
    }
  }
  for (ComparisonRow& r : *rows) {
    if (!r.gate) r.verdict = stats::Verdict::kInconclusive;
  }
}

stats::Verdict DecideRoute(bool srm_detected, const std::vector<ComparisonRow>& rows) {
  if (srm_detected) return stats::Verdict::kFail;
  bool any_gate = false, all_pass = true;
  for (const ComparisonRow& r : rows) {
    if (!r.gate) continue;
    any_gate = true;
    if (r.verdict == stats::Verdict::kFail) return stats::Verdict::kFail;
    if (r.verdict != stats::Verdict::kPass) all_pass = false;
  }
  return any_gate && all_pass ? stats::Verdict::kPass : stats::Verdict::kInconclusive;
}

}  // namespace modelgate::monitor
