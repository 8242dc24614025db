// mSPRT with a normal mixture: the likelihood ratio, the always-valid p-value and the
// confidence sequence (derivations in sequential.h).
#include "stats/hypothesis/sequential.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace modelgate::stats {

double MixtureLogLikelihoodRatio(double estimate, double variance, double tau, double theta0) {
  const double tau2 = tau * tau;
  const double d = estimate - theta0;
  // 0.5 ln(V / (V + tau^2)) written with log1p, accurate when tau^2 << V (early samples).
  return -0.5 * std::log1p(tau2 / variance) +
         tau2 * d * d / (2.0 * variance * (variance + tau2));
}

absl::StatusOr<Msprt> Msprt::Create(const MsprtOptions& options) {
  if (!(options.tau > 0.0) || !std::isfinite(options.tau)) {
    return absl::InvalidArgumentError(absl::StrCat("msprt: tau must be > 0, got ", options.tau));
  }
  if (!(options.alpha > 0.0 && options.alpha < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("msprt: alpha must be in (0, 1), got ", options.alpha));
  }
  if (!std::isfinite(options.theta0)) {
    return absl::InvalidArgumentError("msprt: theta0 must be finite");
  }
  if (options.burn_in < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("msprt: burn_in must be >= 0, got ", options.burn_in));
  }
  return Msprt(options);
}

void Msprt::Observe(int64_t n_x, int64_t n_y, double estimate, double variance) {
  state_.n_x = n_x;
  state_.n_y = n_y;
  state_.burned_in = n_x >= options_.burn_in && n_y >= options_.burn_in && n_x > 0 && n_y > 0;
  state_.updated = false;
  // Plug-in variances are unreliable before the burn-in, and V = 0 (no spread yet, e.g. no
  // error seen) carries no usable evidence: skip rather than divide by zero.
  if (!state_.burned_in || !(variance > 0.0) || !std::isfinite(variance) ||
      !std::isfinite(estimate)) {
    return;
  }
  const double tau2 = options_.tau * options_.tau;
  state_.estimate = estimate;
  state_.variance = variance;
  state_.log_lambda = MixtureLogLikelihoodRatio(estimate, variance, options_.tau,
                                                options_.theta0);
  state_.p_value = std::min(state_.p_value, std::exp(-state_.log_lambda));
  state_.updated = true;
  ++state_.updates;
  if (state_.p_value <= options_.alpha) state_.reject = true;

  const double half = std::sqrt(variance * (variance + tau2) / tau2 *
                                (2.0 * std::log(1.0 / options_.alpha) + std::log1p(tau2 / variance)));
  if (!state_.has_interval) {
    state_.has_interval = true;
    state_.cs_low = estimate - half;
    state_.cs_high = estimate + half;
  } else {
    state_.cs_low = std::max(state_.cs_low, estimate - half);
    state_.cs_high = std::min(state_.cs_high, estimate + half);
  }
}

const MsprtState& Msprt::UpdateMeans(const Welford& x, const Welford& y) {
  const double v = x.count() > 0 && y.count() > 0
                       ? x.variance() / static_cast<double>(x.count()) +
                             y.variance() / static_cast<double>(y.count())
                       : 0.0;
  Observe(x.count(), y.count(), x.mean() - y.mean(), v);
  return state_;
}

const MsprtState& Msprt::UpdateEstimate(int64_t n_x, int64_t n_y, double estimate,
                                        double variance) {
  Observe(n_x, n_y, estimate, variance);
  return state_;
}

absl::StatusOr<MsprtState> Msprt::UpdateProportions(int64_t successes_x, int64_t n_x,
                                                    int64_t successes_y, int64_t n_y) {
  if (n_x < 0 || n_y < 0 || successes_x < 0 || successes_y < 0 || successes_x > n_x ||
      successes_y > n_y) {
    return absl::InvalidArgumentError(
        absl::StrCat("msprt: need 0 <= successes <= n, got ", successes_x, "/", n_x, " and ",
                     successes_y, "/", n_y));
  }
  double estimate = 0.0, v = 0.0;
  if (n_x > 0 && n_y > 0) {
    const double nx = static_cast<double>(n_x), ny = static_cast<double>(n_y);
    const double px = static_cast<double>(successes_x) / nx;
    const double py = static_cast<double>(successes_y) / ny;
    estimate = px - py;
    v = px * (1.0 - px) / nx + py * (1.0 - py) / ny;
  }
  Observe(n_x, n_y, estimate, v);
  return state_;
}

}  // namespace modelgate::stats
