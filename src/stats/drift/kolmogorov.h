// Null distributions of the Kolmogorov–Smirnov statistic, as plain functions of (n, d): the
// limiting Kolmogorov law, the exact one-sided Smirnov law, the finite-n two-sided Kolmogorov law
// (what SciPy's `kstwo` and therefore `ks_2samp(method='asymp')` use), and the exact two-sample
// law (SciPy's `ks_2samp(method='exact')`).
//
// Boost.Math gained a Kolmogorov–Smirnov distribution only in 1.75; Debian 12 ships 1.74, so these
// are evaluated here from their published series and recurrences (no special functions needed:
// only exp/log and products). All functions are pure and thread-safe.
#pragma once

#include <cstdint>

namespace modelgate::stats {

// Q(lambda) = 2 * sum_{j>=1} (-1)^(j-1) exp(-2 j^2 lambda^2) = P(K > lambda) for the limiting
// Kolmogorov variable K = lim sqrt(n) D_n (SciPy: `kstwobign.sf`, `special.kolmogorov`).
double KolmogorovLimitSf(double lambda);

// P(D_n^+ >= d) for the one-sided one-sample statistic with n observations (SciPy:
// `special.smirnov`), by the Birnbaum–Tingey finite sum. O(n) time.
double SmirnovSf(int64_t n, double d);

// P(D_n >= d) for the two-sided one-sample statistic with n observations (SciPy: `kstwo.sf`).
// Follows Simard & L'Ecuyer (2011): exact formulas (Ruben–Gambino, Durbin's matrix in the
// Marsaglia–Tsang–Wang form, 2 * Smirnov for d >= 1/2) where affordable and, for large n, the
// Pelz–Good expansion or Miller's 2 * Smirnov approximation — the same choices SciPy makes, so the
// two agree to ~1e-11 relative on a grid that visits every branch
// (tests/stats/drift/golden_test.cc). Cost: microseconds typically; up to ~20 ms (Durbin, n near
// 1e5 and tiny d) or O(n) for the Smirnov sum (~50 ms at n = 1e6).
double KolmogorovSf(int64_t n, double d);

// Exact P(D_{n,m} >= d) for the two-sample statistic when both samples come from one continuous
// law, with the observed statistic given exactly as d = d_numerator / (n * m) (the statistic is
// always of that form). Sums the probability of every lattice path's first exit from the band
// |i/n - j/m| < d, so small p-values keep full relative precision. O(n * m) time, O(m) memory.
double KsTwoSampleExactSf(int64_t n, int64_t m, int64_t d_numerator);

}  // namespace modelgate::stats
