// Welch's t-test, the two-proportion z-test and Mann-Whitney U; the formulas are in
// ../shared/reference/statistics.md section 2 and in two_sample.h.
#include "stats/hypothesis/two_sample.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "stats/hypothesis/distributions.h"

namespace modelgate::stats {
namespace {

absl::Status CheckConfidence(double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("confidence must be in (0, 1), got ", confidence));
  }
  return absl::OkStatus();
}

// Exact Hedges correction J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)); the ratio of gammas
// comes from Boost so it stays accurate where the gammas themselves overflow.
double HedgesCorrection(double m) {
  return boost::math::tgamma_delta_ratio(m / 2.0, -0.5, dist::NoThrowPolicy()) /
         std::sqrt(m / 2.0);
}

}  // namespace

absl::StatusOr<WelchResult> WelchTTest(const Welford& x, const Welford& y, double confidence) {
  if (absl::Status s = CheckConfidence(confidence); !s.ok()) return s;
  if (!std::isfinite(x.mean()) || !std::isfinite(y.mean()) || !std::isfinite(x.m2()) ||
      !std::isfinite(y.m2())) {
    return absl::InvalidArgumentError("welch: summaries contain non-finite values");
  }
  WelchResult r;
  r.n_x = x.count();
  r.n_y = y.count();
  r.mean_x = x.mean();
  r.mean_y = y.mean();
  r.var_x = x.variance();
  r.var_y = y.variance();
  r.difference = r.mean_x - r.mean_y;
  r.confidence = confidence;
  r.ci_low = r.ci_high = r.difference;
  if (r.n_x < 2 || r.n_y < 2) return r;

  const double a = r.var_x / static_cast<double>(r.n_x);
  const double b = r.var_y / static_cast<double>(r.n_y);
  r.standard_error = std::sqrt(a + b);
  if (!(r.standard_error > 0.0)) return r;

  r.t = r.difference / r.standard_error;
  r.df = (a + b) * (a + b) /
         (a * a / static_cast<double>(r.n_x - 1) + b * b / static_cast<double>(r.n_y - 1));
  r.p_value = dist::StudentTTwoSidedP(r.t, r.df);
  const double half = dist::StudentTQuantile(0.5 + confidence / 2.0, r.df) * r.standard_error;
  r.ci_low = r.difference - half;
  r.ci_high = r.difference + half;

  const double m = static_cast<double>(r.n_x + r.n_y - 2);
  const double pooled_sd = std::sqrt(
      (static_cast<double>(r.n_x - 1) * r.var_x + static_cast<double>(r.n_y - 1) * r.var_y) / m);
  r.hedges_g = pooled_sd > 0.0 ? r.difference / pooled_sd * HedgesCorrection(m) : 0.0;
  r.computable = true;
  return r;
}

absl::StatusOr<ProportionResult> TwoProportionZTest(int64_t successes_x, int64_t n_x,
                                                    int64_t successes_y, int64_t n_y,
                                                    double confidence) {
  if (absl::Status s = CheckConfidence(confidence); !s.ok()) return s;
  if (n_x < 0 || n_y < 0 || successes_x < 0 || successes_y < 0 || successes_x > n_x ||
      successes_y > n_y) {
    return absl::InvalidArgumentError(
        absl::StrCat("proportions: need 0 <= successes <= n, got ", successes_x, "/", n_x,
                     " and ", successes_y, "/", n_y));
  }
  ProportionResult r;
  r.successes_x = successes_x;
  r.n_x = n_x;
  r.successes_y = successes_y;
  r.n_y = n_y;
  r.confidence = confidence;
  if (n_x == 0 || n_y == 0) return r;

  const double nx = static_cast<double>(n_x), ny = static_cast<double>(n_y);
  r.p_x = static_cast<double>(successes_x) / nx;
  r.p_y = static_cast<double>(successes_y) / ny;
  r.difference = r.p_x - r.p_y;
  r.ci_low = r.ci_high = r.difference;
  const double pooled = static_cast<double>(successes_x + successes_y) / (nx + ny);
  r.pooled_se = std::sqrt(pooled * (1.0 - pooled) * (1.0 / nx + 1.0 / ny));
  if (!(r.pooled_se > 0.0)) return r;

  r.z = r.difference / r.pooled_se;
  r.p_value = dist::NormalTwoSidedP(r.z);
  r.unpooled_se = std::sqrt(r.p_x * (1.0 - r.p_x) / nx + r.p_y * (1.0 - r.p_y) / ny);
  const double half = dist::NormalQuantile(0.5 + confidence / 2.0) * r.unpooled_se;
  r.ci_low = r.difference - half;
  r.ci_high = r.difference + half;
  r.computable = true;
  return r;
}

absl::StatusOr<MannWhitneyResult> MannWhitneyU(absl::Span<const double> x,
                                               absl::Span<const double> y) {
  for (absl::Span<const double> s : {x, y}) {
    for (double v : s) {
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError("mann-whitney: samples must be finite");
      }
    }
  }
  MannWhitneyResult r;
  r.n_x = r.seen_x = static_cast<int64_t>(x.size());
  r.n_y = r.seen_y = static_cast<int64_t>(y.size());
  if (x.empty() || y.empty()) return r;

  // Pool, sort, and give each run of equal values its mid-rank.
  std::vector<std::pair<double, bool>> pooled;  // (value, from x)
  pooled.reserve(x.size() + y.size());
  for (double v : x) pooled.emplace_back(v, true);
  for (double v : y) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0.0;
  double tie_term = 0.0;  // sum over tie groups of t^3 - t
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    size_t from_x = 0;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) {
      from_x += pooled[j].second;
      ++j;
    }
    const double t = static_cast<double>(j - i);
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    rank_sum_x += mid_rank * static_cast<double>(from_x);
    tie_term += t * t * t - t;
    i = j;
  }

  const double nx = static_cast<double>(r.n_x), ny = static_cast<double>(r.n_y);
  const double n = nx + ny;
  r.u_x = rank_sum_x - nx * (nx + 1.0) / 2.0;
  r.u_y = nx * ny - r.u_x;
  r.mean_u = nx * ny / 2.0;
  r.common_language_effect = r.u_x / (nx * ny);
  const double variance = nx * ny / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
  if (!(variance > 0.0)) return r;  // every value tied: ranks carry no information
  r.sd_u = std::sqrt(variance);

  const double d = r.u_x - r.mean_u;
  // The continuity correction moves |d| half a unit toward 0 (U moves in steps of 0.5 or 1).
  r.z = std::copysign(std::max(std::abs(d) - 0.5, 0.0), d) / r.sd_u;
  r.p_value = dist::NormalTwoSidedP(r.z);
  r.computable = true;
  return r;
}

absl::StatusOr<MannWhitneyResult> MannWhitneyU(const Reservoir<double>& x,
                                               const Reservoir<double>& y) {
  absl::StatusOr<MannWhitneyResult> r = MannWhitneyU(x.sample(), y.sample());
  if (r.ok()) {
    r->seen_x = x.seen();
    r->seen_y = y.seen();
  }
  return r;
}

}  // namespace modelgate::stats
