// Interleaving preference statistics: team credit to pair outcomes, the exact sign test, and the
// per-pair cluster-robust delta with its always-valid p-value; see preference.h.
#include "interleave/preference.h"

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/binomial.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "stats/hypothesis/distributions.h"

namespace modelgate::interleave {

namespace {

using Binomial = boost::math::binomial_distribution<double, stats::dist::NoThrowPolicy>;

int CreditOf(const std::vector<int>& credits, int r) {
  return r >= 0 && static_cast<size_t>(r) < credits.size() ? credits[static_cast<size_t>(r)] : 0;
}

bool Present(const std::vector<bool>& present, int r) {
  return r >= 0 && static_cast<size_t>(r) < present.size() && present[static_cast<size_t>(r)];
}

double Score(PairOutcome o) {
  switch (o) {
    case PairOutcome::kWinA:
      return 1.0;
    case PairOutcome::kWinB:
      return 0.0;
    case PairOutcome::kTie:
      break;
  }
  return 0.5;
}

}  // namespace

PairOutcome OutcomeFor(const std::vector<int>& credits, int a, int b) {
  const int ca = CreditOf(credits, a), cb = CreditOf(credits, b);
  if (ca > cb) return PairOutcome::kWinA;
  if (ca < cb) return PairOutcome::kWinB;
  return PairOutcome::kTie;
}

double SignTestTwoSidedP(int64_t k, int64_t n) {
  if (n <= 0 || k < 0 || k > n || 2 * k == n) return 1.0;
  const Binomial dist(static_cast<double>(n), 0.5);
  auto pmf = [&dist](int64_t x) { return boost::math::pdf(dist, static_cast<double>(x)); };
  // Outcomes on the other side of the mode count when their probability is at most the observed
  // one's; SciPy allows a relative 1e-7 so that rounding cannot drop the mirror image of k. The
  // probabilities are monotone on each side of the mode, so the boundary is a binary search.
  const double threshold = pmf(k) * (1.0 + 1e-7);
  double p;
  if (2 * k < n) {
    // Smallest x in [ceil(n/2), n] with pmf(x) <= threshold (n + 1 if none).
    int64_t lo = (n + 1) / 2, hi = n + 1;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (pmf(mid) <= threshold) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    p = boost::math::cdf(dist, static_cast<double>(k));
    if (lo <= n) {
      p += boost::math::cdf(boost::math::complement(dist, static_cast<double>(lo - 1)));
    }
  } else {
    // Number of x in [0, floor(n/2)] with pmf(x) <= threshold: they form a prefix.
    int64_t lo = 0, hi = n / 2 + 1;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (pmf(mid) <= threshold) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    p = boost::math::cdf(boost::math::complement(dist, static_cast<double>(k - 1)));
    if (lo > 0) p += boost::math::cdf(dist, static_cast<double>(lo - 1));
  }
  return std::clamp(p, 0.0, 1.0);
}

absl::StatusOr<PreferenceTracker> PreferenceTracker::Create(int num_rankers,
                                                            PreferenceOptions options) {
  if (num_rankers < 2 || num_rankers > kMaxRankers) {
    return absl::InvalidArgumentError(absl::StrCat("preference: num_rankers must be in [2, ",
                                                   kMaxRankers, "], got ", num_rankers));
  }
  if (options.num_buckets < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("preference: num_buckets must be >= 2, got ", options.num_buckets));
  }
  const stats::ClusteredRatio prototype(options.num_buckets);
  if (options.burn_in > prototype.num_buckets()) {
    return absl::InvalidArgumentError(absl::StrCat("preference: burn_in (", options.burn_in,
                                                   " units) exceeds the ", prototype.num_buckets(),
                                                   " buckets, so the test could never start"));
  }
  stats::MsprtOptions msprt_options;
  msprt_options.tau = options.tau;
  msprt_options.theta0 = 0.0;
  msprt_options.alpha = options.alpha;
  msprt_options.burn_in = options.burn_in;
  // Validates alpha, tau and burn_in.
  absl::StatusOr<stats::Msprt> msprt = stats::Msprt::Create(msprt_options);
  if (!msprt.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("preference: ", msprt.status().message()));
  }
  std::vector<Pair> pairs;
  pairs.reserve(static_cast<size_t>(num_rankers * (num_rankers - 1) / 2));
  for (int a = 0; a < num_rankers; ++a) {
    for (int b = a + 1; b < num_rankers; ++b) {
      pairs.push_back(Pair{a, b, 0, 0, 0, prototype, *msprt});
    }
  }
  return PreferenceTracker(num_rankers, options, std::move(pairs));
}

void PreferenceTracker::Apply(const ClickUpdate& update, const std::vector<bool>& present) {
  if (!update.first_report && update.before == update.after) return;  // a repeated report
  for (Pair& pair : pairs_) {
    if (!Present(present, pair.a) || !Present(present, pair.b)) continue;
    const PairOutcome now = OutcomeFor(update.after, pair.a, pair.b);
    auto count = [&pair](PairOutcome o, int64_t by) {
      switch (o) {
        case PairOutcome::kWinA:
          pair.wins_a += by;
          break;
        case PairOutcome::kWinB:
          pair.wins_b += by;
          break;
        case PairOutcome::kTie:
          pair.ties += by;
          break;
      }
    };
    if (update.first_report) {
      count(now, 1);
      pair.scores.Add(update.unit, Score(now));
      continue;
    }
    const PairOutcome was = OutcomeFor(update.before, pair.a, pair.b);
    if (was == now) continue;
    count(was, -1);
    count(now, 1);
    pair.scores.Adjust(update.unit, Score(now) - Score(was));
  }
}

std::vector<PairReport> PreferenceTracker::Evaluate() {
  const double z = stats::dist::NormalQuantile(1.0 - options_.alpha / 2.0);
  std::vector<PairReport> reports;
  reports.reserve(pairs_.size());
  for (Pair& pair : pairs_) {
    PairReport r;
    r.a = pair.a;
    r.b = pair.b;
    r.wins_a = pair.wins_a;
    r.wins_b = pair.wins_b;
    r.ties = pair.ties;
    const int64_t n = pair.wins_a + pair.wins_b + pair.ties;
    if (n > 0) {
      r.delta = (static_cast<double>(pair.wins_a) + 0.5 * static_cast<double>(pair.ties)) /
                    static_cast<double>(n) -
                0.5;
    }
    r.sign_test_p = SignTestTwoSidedP(pair.wins_a, pair.wins_a + pair.wins_b);

    const stats::RatioEstimate e = pair.scores.Estimate();
    r.units = e.clusters;
    const double variance = e.computable ? e.variance_of_mean : 0.0;
    if (variance > 0.0 && std::isfinite(variance)) {
      r.std_error = std::sqrt(variance);
      r.ci_low = std::max(-0.5, r.delta - z * r.std_error);
      r.ci_high = std::min(0.5, r.delta + z * r.std_error);
      r.clustered_p = stats::dist::NormalTwoSidedP(r.delta / r.std_error);
    }
    // The burn-in counts units (see preference.h); V = 0 contributes no evidence.
    const stats::MsprtState& s = pair.msprt.UpdateEstimate(r.units, r.units, r.delta, variance);
    r.always_valid_p = s.p_value;
    r.significant = s.p_value <= options_.alpha;
    reports.push_back(r);
  }
  return reports;
}

}  // namespace modelgate::interleave
