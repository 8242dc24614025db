// Two-sample Kolmogorov–Smirnov test on raw samples: the statistic D = sup|F_n - G_m| and its
// p-value by a method of your choice, including the two SciPy 1.10 methods (so results can be
// checked against `scipy.stats.ks_2samp`) and the textbook formula of statistics.md §4.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace modelgate::stats {

enum class KsPValueMethod {
  // Exact null law of D_{n,m} (lattice-path count). O(n*m) time: SciPy `method='exact'`.
  kExact,
  // The finite-n one-sample Kolmogorov law at n_e = round(n*m/(n+m)) (SciPy 1.10
  // `method='asymp'`, which calls `kstwo.sf(D, round(n_e))`). For n = m = 1, n_e rounds to 0
  // and SciPy returns NaN; we use n_e = 1 instead.
  kAsymptotic,
  // p = Q(lambda), lambda = (sqrt(n_e) + 0.12 + 0.11/sqrt(n_e)) * D, n_e unrounded (Stephens'
  // small-sample correction of the limiting law; statistics.md §4, Numerical Recipes).
  kStephens,
  // kExact when n*m <= kKsExactMaxCells (a few milliseconds), otherwise kAsymptotic. Ties make
  // every method conservative (the null law assumes a continuous distribution).
  kAuto,
};

inline constexpr int64_t kKsExactMaxCells = 4'000'000;

struct KsResult {
  double statistic = 0.0;  // D in [0, 1]
  // D is always a multiple of 1/(n*m); this is D * n * m, exactly.
  int64_t statistic_numerator = 0;
  double pvalue = 1.0;
  int64_t n = 0;                                  // size of the first sample
  int64_t m = 0;                                  // size of the second sample
  KsPValueMethod method = KsPValueMethod::kAuto;  // the method actually used (never kAuto)
};

// Two-sided test of "x and y come from the same continuous distribution". Copies and sorts the
// inputs. InvalidArgument when a sample is empty or contains NaN (infinities are fine).
absl::StatusOr<KsResult> KsTwoSample(absl::Span<const double> x, absl::Span<const double> y,
                                     KsPValueMethod method = KsPValueMethod::kAuto);

// Same on samples already sorted ascending (not checked beyond NaN); no allocation.
absl::StatusOr<KsResult> KsTwoSampleSorted(absl::Span<const double> x_sorted,
                                           absl::Span<const double> y_sorted,
                                           KsPValueMethod method = KsPValueMethod::kAuto);

// p-value of an observed D = d_numerator / (n * m); also used for statistics computed from
// binned counts (where it is conservative, since binned D never exceeds the exact D).
double KsPValue(int64_t n, int64_t m, int64_t d_numerator, KsPValueMethod method);

// The individual asymptotic formulas, for a D given as a double.
double KsAsymptoticPValue(double d, int64_t n, int64_t m);
double KsStephensPValue(double d, int64_t n, int64_t m);

}  // namespace modelgate::stats
