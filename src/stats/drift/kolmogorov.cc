// Kolmogorov–Smirnov null distributions. References for the formulas:
//   Birnbaum & Tingey (1951), one-sided exact sum; Ruben & Gambino (1982), exact tails;
//   Durbin (1968) with Marsaglia, Tsang & Wang (2003), J. Stat. Softw. 8(18), matrix form;
//   Pelz & Good (1976) expansion; Simard & L'Ecuyer (2011), J. Stat. Softw. 39(11), the
//   choice of method by (n, n d^2) used below (the same thresholds SciPy's `kstwo` uses).
#include "stats/drift/kolmogorov.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <utility>
#include <vector>

#include "boost/math/special_functions/gamma.hpp"

namespace modelgate::stats {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kSqrt2Pi = 2.5066282746310002;  // sqrt(2 * pi)
// exp(x) underflows to 0 below about -745; terms beyond this add nothing.
constexpr double kNegligibleExponent = 740.0;

double Clip01(double p) { return std::clamp(p, 0.0, 1.0); }

// P(D_n < d) by Durbin's matrix: with d = (k - h)/n, k integer, 0 <= h < 1, the probability is
// n!/n^n * (H^n)[k-1][k-1] for the (2k-1)-square matrix H of Marsaglia, Tsang & Wang. Entries
// of H^n overflow quickly, so every product is renormalised by a power of two that is tracked
// separately. O(k^3 log n); callers keep k small (k <= ~60).
double DurbinCdf(int64_t n, double d) {
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0.0;
  const int k = static_cast<int>(std::ceil(nd));
  const double h = k - nd;
  const int m = 2 * k - 1;

  // inv_fact[i] = 1/i!
  std::vector<double> inv_fact(m + 1);
  inv_fact[0] = 1.0;
  for (int i = 1; i <= m; ++i) inv_fact[i] = inv_fact[i - 1] / i;

  using Matrix = std::vector<double>;  // row-major m x m
  Matrix base(static_cast<size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j <= std::min(m - 1, i + 1); ++j) base[i * m + j] = inv_fact[i - j + 1];
  }
  for (int i = 0; i < m; ++i) {
    base[i * m + 0] = (1.0 - std::pow(h, i + 1)) * inv_fact[i + 1];
    base[(m - 1) * m + (m - 1 - i)] = (1.0 - std::pow(h, i + 1)) * inv_fact[i + 1];
  }
  base[(m - 1) * m + 0] =
      (1.0 - 2.0 * std::pow(h, m) + std::pow(std::max(0.0, 2.0 * h - 1.0), m)) * inv_fact[m];

  auto multiply = [m](const Matrix& a, const Matrix& b) {
    Matrix c(static_cast<size_t>(m) * m, 0.0);
    for (int i = 0; i < m; ++i) {
      for (int l = 0; l < m; ++l) {
        const double ail = a[i * m + l];
        if (ail == 0.0) continue;
        for (int j = 0; j < m; ++j) c[i * m + j] += ail * b[l * m + j];
      }
    }
    return c;
  };
  // Scales `x` so its largest entry lies in [0.5, 1), adding the removed power of two to `exp2`.
  auto normalise = [](Matrix& x, int64_t& exp2) {
    double biggest = 0.0;
    for (double v : x) biggest = std::max(biggest, std::abs(v));
    if (biggest == 0.0) return;
    int e = 0;
    std::frexp(biggest, &e);
    for (double& v : x) v = std::ldexp(v, -e);
    exp2 += e;
  };

  Matrix result(static_cast<size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i) result[i * m + i] = 1.0;
  int64_t result_exp = 0;
  int64_t base_exp = 0;
  for (int64_t power = n; power > 0; power >>= 1) {
    if (power & 1) {
      result = multiply(result, base);
      result_exp += base_exp;
      normalise(result, result_exp);
    }
    if (power > 1) {
      base = multiply(base, base);
      base_exp *= 2;
      normalise(base, base_exp);
    }
  }

  // Multiply by n!/n^n = prod_{i=1..n} (i/n), keeping the running product in range.
  double p = result[(k - 1) * m + (k - 1)];
  int64_t p_exp = result_exp;
  for (int64_t i = 1; i <= n; ++i) {
    p *= static_cast<double>(i) / static_cast<double>(n);
    if (p != 0.0 && std::abs(p) < 0x1p-500) {
      p = std::ldexp(p, 500);
      p_exp -= 500;
    }
  }
  if (p == 0.0) return 0.0;
  if (p_exp < -2000) return 0.0;
  if (p_exp > 2000) return 1.0;  // cannot happen for a probability; guards ldexp
  return Clip01(std::ldexp(p, static_cast<int>(p_exp)));
}

// Pelz–Good asymptotic expansion of P(D_n <= d) in z = d sqrt(n):
// K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5, each K written as Jacobi-theta-transformed
// series that converge fast for small z (Simard & L'Ecuyer 2011, eqs. 3-6).
double PelzGoodCdf(int64_t n, double d) {
  const double z = std::sqrt(static_cast<double>(n)) * d;
  const double z2 = z * z;
  if (kPi * kPi / (8.0 * z2) > kNegligibleExponent) return 0.0;
  const double z4 = z2 * z2, z6 = z4 * z2, z8 = z4 * z4;
  const double pi2 = kPi * kPi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;

  // Sums over half-integers u = k - 1/2 with weight exp(-pi^2 u^2 / (2 z^2)).
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  for (int k = 1;; ++k) {
    const double u2 = (k - 0.5) * (k - 0.5);
    const double exponent = pi2 * u2 / (2.0 * z2);
    if (exponent > kNegligibleExponent) break;
    const double w = std::exp(-exponent);
    const double u4 = u2 * u2, u6 = u4 * u2;
    s0 += w;
    s1 += (pi2 * u2 - z2) * w;
    s2 +=
        (6.0 * z6 + 2.0 * z4 + pi2 * (2.0 * z4 - 5.0 * z2) * u2 + pi4 * (1.0 - 2.0 * z2) * u4) * w;
    s3 += (pi6 * (5.0 - 30.0 * z2) * u6 + pi4 * (212.0 * z4 - 60.0 * z2) * u4 +
           pi2 * (135.0 * z4 - 96.0 * z6) * u2 - 30.0 * z6 - 90.0 * z8) *
          w;
  }
  // Sums over integers k >= 1 with weight exp(-pi^2 k^2 / (2 z^2)).
  double t2 = 0.0, t3 = 0.0;
  for (int k = 1;; ++k) {
    const double k2 = static_cast<double>(k) * k;
    const double exponent = pi2 * k2 / (2.0 * z2);
    if (exponent > kNegligibleExponent) break;
    const double w = std::exp(-exponent);
    t2 += k2 * w;
    t3 += (3.0 * z2 - pi2 * k2) * k2 * w;
  }
  const double k0 = kSqrt2Pi / z * s0;
  const double k1 = kSqrt2Pi / (6.0 * z4) * s1;
  const double k2 = kSqrt2Pi / (72.0 * z6 * z) * s2 - kSqrt2Pi * pi2 / (36.0 * z2 * z) * t2;
  const double k3 = kSqrt2Pi / (6480.0 * z6 * z4) * s3 + kSqrt2Pi * pi2 / (216.0 * z6) * t3;
  const double sqrt_n = std::sqrt(static_cast<double>(n));
  return k0 + k1 / sqrt_n + k2 / static_cast<double>(n) + k3 / (static_cast<double>(n) * sqrt_n);
}

// floor(a / b) for b > 0 and any sign of a.
int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

}  // namespace

double KolmogorovLimitSf(double lambda) {
  if (!(lambda > 0.0)) return std::isnan(lambda) ? lambda : 1.0;
  if (lambda < 1.0) {
    // The alternating series converges slowly here; use the theta-transformed CDF instead:
    // P(K <= lambda) = sqrt(2 pi)/lambda * sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 lambda^2)).
    double sum = 0.0;
    for (int k = 1;; ++k) {
      const double odd = 2.0 * k - 1.0;
      const double exponent = odd * odd * kPi * kPi / (8.0 * lambda * lambda);
      if (exponent > kNegligibleExponent) break;
      sum += std::exp(-exponent);
    }
    return Clip01(1.0 - kSqrt2Pi / lambda * sum);
  }
  double sum = 0.0;
  for (int j = 1;; ++j) {
    const double term = std::exp(-2.0 * j * j * lambda * lambda);
    sum += (j % 2 == 1) ? term : -term;
    if (term <= 1e-18 * sum) break;  // also ends when the first term underflows to 0
  }
  return Clip01(2.0 * sum);
}

double SmirnovSf(int64_t n, double d) {
  if (std::isnan(d) || n <= 0) return std::nan("");
  if (d <= 0.0) return 1.0;
  if (d >= 1.0) return 0.0;
  const double nd = static_cast<double>(n);
  const int64_t last = static_cast<int64_t>(std::floor(nd * (1.0 - d)));
  // Birnbaum–Tingey: P(D_n^+ >= d) = d * sum_{j=0}^{floor(n(1-d))} C(n,j) (d + j/n)^(j-1)
  // (1 - d - j/n)^(n-j). All terms are positive, so summing them (in logs, to survive large n)
  // loses no relative precision.
  // log C(n, j) is updated incrementally. It grows to ~n ln 2 while each increment is small, so
  // plain accumulation would lose ~1e-16 * n per step (relative error ~1e-8 by n = 4e5);
  // compensated (Neumaier) summation keeps the error at the size of one increment's rounding.
  double log_binom = 0.0, log_binom_carry = 0.0;
  double sum = 0.0;
  for (int64_t j = 0; j <= last; ++j) {
    if (j > 0) {
      const double inc = std::log(static_cast<double>(n - j + 1) / static_cast<double>(j));
      const double t = log_binom + inc;
      log_binom_carry +=
          std::abs(log_binom) >= std::abs(inc) ? (log_binom - t) + inc : (inc - t) + log_binom;
      log_binom = t;
    }
    const double lower = d + static_cast<double>(j) / nd;  // d + j/n
    const double upper = 1.0 - lower;                      // 1 - d - j/n
    if (upper <= 0.0) continue;  // the j = n(1-d) term is 0 (its power n-j = nd is positive)
    const double log_term = (log_binom + log_binom_carry) +
                            static_cast<double>(j - 1) * std::log(lower) +
                            static_cast<double>(n - j) * std::log1p(-lower);
    if (log_term > -kNegligibleExponent) sum += std::exp(log_term);
  }
  return Clip01(d * sum);
}

double KolmogorovSf(int64_t n, double d) {
  if (std::isnan(d) || n <= 0) return std::nan("");
  if (d >= 1.0) return 0.0;
  if (d <= 0.0) return 1.0;
  const double nd = static_cast<double>(n);
  const double t = nd * d;
  if (t <= 1.0) {
    // Ruben–Gambino: P(D_n < d) = n! (2d - 1/n)^n = (n!/n^n) (2t - 1)^n for 1/(2n) < d <= 1/n.
    if (t <= 0.5) return 1.0;
    // boost::math::lgamma, not std::lgamma: glibc's writes the global `signgam` (a data race).
    const double log_cdf =
        boost::math::lgamma(nd + 1.0) - nd * std::log(nd) + nd * std::log(2.0 * t - 1.0);
    return Clip01(-std::expm1(log_cdf));
  }
  if (t >= nd - 1.0) return Clip01(2.0 * std::pow(1.0 - d, nd));  // Ruben–Gambino upper tail
  if (d >= 0.5) return Clip01(2.0 * SmirnovSf(n, d));             // D^+ and D^- cannot both reach d
  const double nd2 = t * d;                                       // n d^2
  if (n <= 140) {
    // Exact (Durbin) wherever SciPy uses an exact method (it switches to Pomeranz's recursion
    // above n d^2 = 0.754693; both are exact), and Miller's 2 * Smirnov approximation beyond
    // n d^2 = 4, where the missing two-sided overlap term is far below double precision.
    if (nd2 <= 4.0) return Clip01(1.0 - DurbinCdf(n, d));
    return Clip01(2.0 * SmirnovSf(n, d));
  }
  if (nd2 >= 370.0) return 0.0;
  if (nd2 >= 2.2) return Clip01(2.0 * SmirnovSf(n, d));
  const bool durbin_affordable = n <= 100000 && nd * std::pow(d, 1.5) <= 1.4;
  const double cdf = durbin_affordable ? DurbinCdf(n, d) : PelzGoodCdf(n, d);
  return Clip01(1.0 - cdf);
}

double KsTwoSampleExactSf(int64_t n, int64_t m, int64_t d_numerator) {
  if (n <= 0 || m <= 0) return std::nan("");
  if (d_numerator <= 0) return 1.0;
  if (d_numerator > n * m) return 0.0;
  // Under H0 every monotone lattice path from (0,0) to (n,m) (i = x-steps taken, j = y-steps
  // taken) is equally likely, so from (i, j) the next step is in x with probability
  // (n-i)/((n-i)+(m-j)). D >= d exactly when the path touches |i*m - j*n| >= d_numerator. We push
  // probability mass along the paths that are still inside the band and add up the mass that
  // leaves it, one row of i at a time.
  auto inside = [&](int64_t i, int64_t j) { return std::abs(i * m - j * n) < d_numerator; };
  std::vector<double> row(m + 1, 0.0), next(m + 1, 0.0);
  row[0] = 1.0;
  double outside = 0.0;
  for (int64_t i = 0; i <= n; ++i) {
    // Inside points of row i: i*m - d < j*n < i*m + d.
    const int64_t lo = std::max<int64_t>(0, FloorDiv(i * m - d_numerator, n) + 1);
    const int64_t hi = std::min<int64_t>(m, FloorDiv(i * m + d_numerator - 1, n));
    for (int64_t j = lo; j <= hi; ++j) {
      const double w = row[j];
      row[j] = 0.0;  // leave the buffer zeroed for reuse as `next`
      if (w == 0.0) continue;
      const int64_t x_left = n - i, y_left = m - j;
      if (x_left + y_left == 0) continue;  // reached (n, m)
      const double inv = 1.0 / static_cast<double>(x_left + y_left);
      if (y_left > 0) {
        const double moved = w * static_cast<double>(y_left) * inv;
        if (j + 1 <= hi) {
          row[j + 1] += moved;
        } else {
          outside += moved;
        }
      }
      if (x_left > 0) {
        const double moved = w * static_cast<double>(x_left) * inv;
        if (inside(i + 1, j)) {
          next[j] += moved;
        } else {
          outside += moved;
        }
      }
    }
    std::swap(row, next);
  }
  return Clip01(outside);
}

}  // namespace modelgate::stats
