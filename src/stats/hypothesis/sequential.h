// Always-valid sequential testing: the mixture sequential probability ratio test (mSPRT) with a
// normal mixture, for a difference of means and a difference of proportions. Its p-value may be
// checked after every observation (dashboards, automatic gates) without inflating the
// false-positive rate, unlike a fixed-horizon p-value recomputed on a growing sample.
//
// Johari, Koomen, Pekelis, Walsh, "Peeking at A/B Tests", KDD 2017; Johari, Pekelis, Walsh,
// Operations Research 70(3), 2022.
//
// Derivation of the general (unequal n) form. Let theta = mu_x - mu_y, theta_hat = mean_x -
// mean_y, and V = s_x^2/n_x + s_y^2/n_y, so theta_hat ~ N(theta, V). H0: theta = theta0. Mixing
// the alternative over theta ~ N(theta0, tau^2):
//   Lambda = integral N(theta_hat; theta, V) N(theta; theta0, tau^2) dtheta / N(theta_hat; theta0, V)
//          = N(theta_hat; theta0, V + tau^2) / N(theta_hat; theta0, V)
//          = sqrt(V / (V + tau^2)) * exp((theta_hat - theta0)^2 / 2 * (1/V - 1/(V + tau^2)))
//          = sqrt(V / (V + tau^2)) * exp(tau^2 (theta_hat - theta0)^2 / (2 V (V + tau^2))).
// With n_x = n_y = n and V = sigma_z^2 / n this is the per-pair formula of statistics.md. In the
// "information time" t = 1/V, t * theta_hat is a Brownian motion with drift theta, so Lambda is
// a non-negative martingale under H0 for any allocation fixed in advance, and Ville's inequality
// gives P(sup_n Lambda_n >= 1/alpha) <= alpha. The variances are plug-in estimates, which is why
// nothing is decided before a burn-in of `burn_in` observations per arm.
//
// Proportions: theta_hat = p_x - p_y and V = p_x(1-p_x)/n_x + p_y(1-p_y)/n_y (the normal
// approximation to the Bernoulli likelihood).
//
// Always-valid p-value: p_n = min(p_{n-1}, 1/Lambda_n), p_0 = 1, kept as state. Rejecting
// when p_n <= alpha is the same as rejecting when Lambda_n >= 1/alpha.
//
// Confidence sequence: inverting the test (the mixture centred on each candidate theta) gives
// {theta : Lambda_n(theta) < 1/alpha} = theta_hat +- sqrt(V (V + tau^2) / tau^2 *
// (2 ln(1/alpha) + ln((V + tau^2) / V))); the running intersection of these intervals covers
// theta at all times with probability >= 1 - alpha, and excludes theta0 exactly when p_n <= alpha.
//
// Feed cumulative summaries since the start of the experiment, not a sliding window: the
// guarantee is about one growing sample. tau is the scale of effects you expect (Optimizely
// calibrates it on past experiments); a tau far from the true effect costs power, not validity.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "stats/welford.h"

namespace modelgate::stats {

struct MsprtOptions {
  double tau = 0.0;      // mixture standard deviation, in units of the difference; required > 0
  double theta0 = 0.0;   // difference under H0
  double alpha = 0.05;   // reject when the always-valid p-value reaches it
  int64_t burn_in = 100;  // minimum observations in EACH arm before any update or decision
};

struct MsprtState {
  int64_t n_x = 0;
  int64_t n_y = 0;
  double estimate = 0.0;    // theta_hat = x - y at the last update
  double variance = 0.0;    // V at the last update
  double log_lambda = 0.0;  // ln Lambda at the last update (0 before the first one)
  double p_value = 1.0;     // always-valid p-value, non-increasing
  bool burned_in = false;   // both arms have reached burn_in
  bool updated = false;     // the last call contributed evidence (burned in and V > 0)
  int64_t updates = 0;      // calls that contributed evidence
  bool reject = false;      // p_value <= alpha (once true, stays true)
  // Running always-valid confidence sequence for theta; meaningful when has_interval.
  bool has_interval = false;
  double cs_low = 0.0;
  double cs_high = 0.0;
};

// ln Lambda for an estimate with variance V under a N(theta0, tau^2) mixture. Requires V > 0,
// tau > 0. Exposed for tests, which check it against numerical integration.
double MixtureLogLikelihoodRatio(double estimate, double variance, double tau, double theta0);

// One sequential test of one metric on one pair of arms. Use either the means or the
// proportions update for a given instance, with cumulative data. O(1) per update, no
// allocation. Not thread-safe.
class Msprt {
 public:
  // Errors: tau not > 0, alpha outside (0, 1), non-finite theta0, negative burn-in.
  static absl::StatusOr<Msprt> Create(const MsprtOptions& options);

  // Difference of means x - y from streaming summaries (plug-in variances).
  const MsprtState& UpdateMeans(const Welford& x, const Welford& y);

  // A difference estimated elsewhere, with its variance V (e.g. a cluster-robust one, see
  // clustered_ratio.h); n_x and n_y count toward the burn-in. V <= 0 contributes no evidence.
  const MsprtState& UpdateEstimate(int64_t n_x, int64_t n_y, double estimate, double variance);

  // Difference of proportions x - y. Errors: counts outside 0 <= successes <= n.
  absl::StatusOr<MsprtState> UpdateProportions(int64_t successes_x, int64_t n_x,
                                               int64_t successes_y, int64_t n_y);

  const MsprtState& state() const { return state_; }
  const MsprtOptions& options() const { return options_; }
  void Reset() { state_ = MsprtState(); }

 private:
  explicit Msprt(const MsprtOptions& options) : options_(options) {}
  void Observe(int64_t n_x, int64_t n_y, double estimate, double variance);

  MsprtOptions options_;
  MsprtState state_;
};

}  // namespace modelgate::stats
