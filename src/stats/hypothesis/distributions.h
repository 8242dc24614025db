// Tail probabilities and quantiles of the reference distributions the tests need, taken from
// Boost.Math (never hand-written special functions), with a policy that reports domain and
// overflow problems through errno instead of throwing, so a bad number can never unwind a
// server thread. Callers validate their inputs first.
#pragma once

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/policies/policy.hpp>

namespace modelgate::stats::dist {

using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::pole_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>>;

using Normal = boost::math::normal_distribution<double, NoThrowPolicy>;
using StudentT = boost::math::students_t_distribution<double, NoThrowPolicy>;
using ChiSquared = boost::math::chi_squared_distribution<double, NoThrowPolicy>;

// P(|Z| >= |z|) for a standard normal Z, capped at 1.
inline double NormalTwoSidedP(double z) {
  return std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(Normal(), std::abs(z))));
}

// P(Z >= z).
inline double NormalSurvival(double z) {
  return boost::math::cdf(boost::math::complement(Normal(), z));
}

// z such that P(Z <= z) = p, p in (0, 1).
inline double NormalQuantile(double p) { return boost::math::quantile(Normal(), p); }

// P(|T| >= |t|) for Student's t with df > 0 degrees of freedom (df need not be an integer).
inline double StudentTTwoSidedP(double t, double df) {
  return std::min(1.0,
                  2.0 * boost::math::cdf(boost::math::complement(StudentT(df), std::abs(t))));
}

// t such that P(T <= t) = p.
inline double StudentTQuantile(double p, double df) {
  return boost::math::quantile(StudentT(df), p);
}

// P(X >= x) for a chi-square with df > 0 degrees of freedom.
inline double ChiSquaredSurvival(double x, double df) {
  return boost::math::cdf(boost::math::complement(ChiSquared(df), x));
}

}  // namespace modelgate::stats::dist
