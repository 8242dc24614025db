// The simulated users' behaviour: how much each user is active and clicks (heterogeneity), and
// how a user scans one shown list (a position-biased cascade). All randomness comes from seeded
// SplitMix64 generators, so a simulation is reproducible from its seed.
//
// Scan of one page (a cascade in the DBN / DCM family: Chapelle & Zhang 2009, Guo et al. 2009):
// the user examines position 1, then moves down one position at a time. At an examined
// position holding item i the user clicks with probability
//     a(u, i) = min(1, propensity_u * click_scale * rel(u, i)),
// and then goes on to the next position with probability `continue_after_click` (lambda) after
// a click and `continue_after_skip` (gamma) after no click; otherwise the scan ends. Without
// clicks, position k (1-based) is therefore examined with probability gamma^(k-1): the position
// bias. Each position consumes exactly two uniforms (click, continue), drawn up front for the
// whole page, so that several lists can be scanned with the SAME draws (common random numbers:
// the same user in the same mood facing list A or list B).
//
// Per-user heterogeneity:
//  - activity: impressions_u = 1 + Poisson(L_u), L_u ~ Gamma(shape k, scale (m - 1) / k), i.e.
//    one plus a negative binomial with mean m - 1 and variance (m - 1) + (m - 1)^2 / k: the
//    mean is m whatever k, and a small k makes a few users account for most impressions
//    (modelgate-interleave-power prints the share of the most active 10% for each k);
//  - propensity_u ~ Gamma(shape s, scale 1 / s): mean 1, coefficient of variation 1/sqrt(s);
//    scales every click probability of the user (some users click a lot, some hardly ever).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "absl/types/span.h"
#include "common/random.h"

namespace modelgate::clicksim {

struct CascadeOptions {
  double continue_after_skip = 0.85;   // gamma
  double continue_after_click = 0.5;   // lambda
  double click_scale = 0.15;           // attractiveness = click_scale * rel, before propensity
};

struct ActivityOptions {
  double mean_impressions = 8.0;   // m >= 1
  double activity_shape = 1.0;     // k > 0: smaller = more heterogeneous
  double propensity_shape = 2.0;   // s > 0: smaller = more heterogeneous
};

struct UserTraits {
  int impressions = 1;
  double propensity = 1.0;
};

// Adapts SplitMix64 to the standard UniformRandomBitGenerator interface, so the <random>
// distributions (gamma, Poisson) can draw from it.
class BitSource {
 public:
  using result_type = uint64_t;
  explicit BitSource(SplitMix64& gen) : gen_(gen) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() { return gen_.Next(); }

 private:
  SplitMix64& gen_;
};

// Draws one user's activity and propensity (documented above). Impressions are capped at
// `max_impressions` (a guard against pathological draws; at the defaults the cap is never hit
// in practice).
UserTraits DrawUserTraits(const ActivityOptions& options, SplitMix64& rng,
                          int max_impressions = 100000);

// The uniforms for scanning one page of `page_size` positions: [2*k] decides the click at
// position k, [2*k + 1] whether the scan continues after it.
void DrawScan(int page_size, SplitMix64& rng, std::vector<double>& draws);

// Scans a shown page whose items have the true relevances `shown` (in page order) with the
// given draws (at least 2 * shown.size()). Sets clicked[k] (resized to shown.size()) and returns
// the number of clicks.
int Scan(const CascadeOptions& options, absl::Span<const double> shown, double propensity,
         absl::Span<const double> draws, std::vector<uint8_t>& clicked);

// Probability that position k (0-based) is examined, for a page whose examined items are
// clicked with probabilities `click_probability` (in page order): the product over earlier
// positions j of (p_j * lambda + (1 - p_j) * gamma). Used by tests and the tool's description.
double ExaminationProbability(const CascadeOptions& options,
                              absl::Span<const double> click_probability, int k);

}  // namespace modelgate::clicksim
