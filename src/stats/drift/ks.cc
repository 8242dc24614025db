// Two-sample KS statistic by a merge of the sorted samples, and the p-value dispatch.
#include "stats/drift/ks.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "stats/drift/kolmogorov.h"

namespace modelgate::stats {
namespace {

absl::Status CheckSample(absl::Span<const double> s, const char* name) {
  if (s.empty()) return absl::InvalidArgumentError(std::string("KS: empty sample ") + name);
  for (double v : s) {
    if (std::isnan(v)) return absl::InvalidArgumentError(std::string("KS: NaN in sample ") + name);
  }
  return absl::OkStatus();
}

}  // namespace

double KsAsymptoticPValue(double d, int64_t n, int64_t m) {
  const double nd = static_cast<double>(n), md = static_cast<double>(m);
  // Round half to even, as numpy does; the default FP rounding mode makes nearbyint do that.
  const double n_e = std::nearbyint(nd * md / (nd + md));
  return KolmogorovSf(std::max<int64_t>(1, static_cast<int64_t>(n_e)), d);
}

double KsStephensPValue(double d, int64_t n, int64_t m) {
  const double nd = static_cast<double>(n), md = static_cast<double>(m);
  const double root = std::sqrt(nd * md / (nd + md));
  return KolmogorovLimitSf((root + 0.12 + 0.11 / root) * d);
}

double KsPValue(int64_t n, int64_t m, int64_t d_numerator, KsPValueMethod method) {
  const double d = static_cast<double>(d_numerator) / (static_cast<double>(n) * m);
  switch (method) {
    case KsPValueMethod::kExact:
      return KsTwoSampleExactSf(n, m, d_numerator);
    case KsPValueMethod::kAsymptotic:
      return KsAsymptoticPValue(d, n, m);
    case KsPValueMethod::kStephens:
      return KsStephensPValue(d, n, m);
    case KsPValueMethod::kAuto:
      return n * m <= kKsExactMaxCells ? KsTwoSampleExactSf(n, m, d_numerator)
                                       : KsAsymptoticPValue(d, n, m);
  }
  return std::nan("");
}

absl::StatusOr<KsResult> KsTwoSampleSorted(absl::Span<const double> x_sorted,
                                           absl::Span<const double> y_sorted,
                                           KsPValueMethod method) {
  if (absl::Status s = CheckSample(x_sorted, "x"); !s.ok()) return s;
  if (absl::Status s = CheckSample(y_sorted, "y"); !s.ok()) return s;
  const int64_t n = static_cast<int64_t>(x_sorted.size());
  const int64_t m = static_cast<int64_t>(y_sorted.size());
  // Walk the distinct values of the pooled sample; after consuming every value <= v from both
  // samples, F_n(v) - G_m(v) = (i*m - j*n)/(n*m). Integer arithmetic keeps D exact.
  int64_t i = 0, j = 0, best = 0;
  while (i < n && j < m) {
    const double v = std::min(x_sorted[i], y_sorted[j]);
    while (i < n && x_sorted[i] <= v) ++i;
    while (j < m && y_sorted[j] <= v) ++j;
    best = std::max(best, std::abs(i * m - j * n));
  }
  // Once one sample is exhausted the difference only shrinks towards 0: nothing more to see.
  KsResult r;
  r.n = n;
  r.m = m;
  r.statistic_numerator = best;
  r.statistic = static_cast<double>(best) / (static_cast<double>(n) * m);
  r.method =
      method == KsPValueMethod::kAuto
          ? (n * m <= kKsExactMaxCells ? KsPValueMethod::kExact : KsPValueMethod::kAsymptotic)
          : method;
  r.pvalue = KsPValue(n, m, best, r.method);
  return r;
}

absl::StatusOr<KsResult> KsTwoSample(absl::Span<const double> x, absl::Span<const double> y,
                                     KsPValueMethod method) {
  std::vector<double> xs(x.begin(), x.end()), ys(y.begin(), y.end());
  // NaN would break the sort's ordering; reject before sorting.
  if (absl::Status s = CheckSample(xs, "x"); !s.ok()) return s;
  if (absl::Status s = CheckSample(ys, "y"); !s.ok()) return s;
  std::sort(xs.begin(), xs.end());
  std::sort(ys.begin(), ys.end());
  return KsTwoSampleSorted(xs, ys, method);
}

}  // namespace modelgate::stats
