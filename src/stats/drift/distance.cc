// Exact W1 by a merge of sorted samples; JS distance and PSI on normalised weight vectors.
#include "stats/drift/distance.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace modelgate::stats {
namespace {

absl::Status CheckFiniteSample(absl::Span<const double> s, const char* what) {
  if (s.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty sample"));
  for (double v : s) {
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": non-finite value ", v));
    }
  }
  return absl::OkStatus();
}

// Validates two weight vectors and returns their totals.
absl::Status CheckWeights(absl::Span<const double> a, absl::Span<const double> b, const char* what,
                          double& total_a, double& total_b) {
  if (a.size() != b.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": vectors differ in length (", a.size(), " vs ", b.size(), ")"));
  }
  if (a.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty vectors"));
  total_a = 0.0;
  total_b = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] >= 0.0) || !(b[i] >= 0.0) || !std::isfinite(a[i]) || !std::isfinite(b[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": weights must be finite and >= 0 (bin ", i, ")"));
    }
    total_a += a[i];
    total_b += b[i];
  }
  if (total_a <= 0.0 || total_b <= 0.0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": a vector sums to 0"));
  }
  return absl::OkStatus();
}

// x ln(x/y) - x + y: the per-bin KL term plus a zero-sum correction (sum x = sum y) that makes
// every term non-negative, so nearly equal distributions do not produce a negative total.
double KlTerm(double x, double y) { return x > 0.0 ? x * std::log(x / y) - x + y : y; }

}  // namespace

absl::StatusOr<double> Wasserstein1Sorted(absl::Span<const double> x_sorted,
                                          absl::Span<const double> y_sorted) {
  if (absl::Status s = CheckFiniteSample(x_sorted, "Wasserstein1 x"); !s.ok()) return s;
  if (absl::Status s = CheckFiniteSample(y_sorted, "Wasserstein1 y"); !s.ok()) return s;
  const int64_t n = static_cast<int64_t>(x_sorted.size());
  const int64_t m = static_cast<int64_t>(y_sorted.size());
  const double nm = static_cast<double>(n) * m;
  // Between consecutive pooled values both ECDFs are constant, so the integral is a sum of
  // rectangles |i/n - j/m| * gap.
  int64_t i = 0, j = 0;
  double v = std::min(x_sorted[0], y_sorted[0]);
  double total = 0.0;
  while (i < n || j < m) {
    while (i < n && x_sorted[i] <= v) ++i;
    while (j < m && y_sorted[j] <= v) ++j;
    if (i == n && j == m) break;
    const double next = std::min(i < n ? x_sorted[i] : INFINITY, j < m ? y_sorted[j] : INFINITY);
    total += static_cast<double>(std::abs(i * m - j * n)) / nm * (next - v);
    v = next;
  }
  return total;
}

absl::StatusOr<double> Wasserstein1(absl::Span<const double> x, absl::Span<const double> y) {
  if (absl::Status s = CheckFiniteSample(x, "Wasserstein1 x"); !s.ok()) return s;
  if (absl::Status s = CheckFiniteSample(y, "Wasserstein1 y"); !s.ok()) return s;
  std::vector<double> xs(x.begin(), x.end()), ys(y.begin(), y.end());
  std::sort(xs.begin(), xs.end());
  std::sort(ys.begin(), ys.end());
  return Wasserstein1Sorted(xs, ys);
}

absl::StatusOr<double> JensenShannonDistance(absl::Span<const double> p,
                                             absl::Span<const double> q) {
  double total_p = 0.0, total_q = 0.0;
  if (absl::Status s = CheckWeights(p, q, "JensenShannonDistance", total_p, total_q); !s.ok()) {
    return s;
  }
  double jsd2 = 0.0;  // KL(P||M) + KL(Q||M)
  for (size_t i = 0; i < p.size(); ++i) {
    const double a = p[i] / total_p;
    const double b = q[i] / total_q;
    const double mid = (a + b) / 2.0;
    if (mid == 0.0) continue;
    jsd2 += KlTerm(a, mid) + KlTerm(b, mid);
  }
  return std::sqrt(std::max(0.0, jsd2 / 2.0));
}

double PsiEmptyBinShare(absl::Span<const double> shares) {
  double smallest = INFINITY;
  for (double s : shares) {
    if (s > 0.0) smallest = std::min(smallest, s);
  }
  return smallest <= 1e-4 ? smallest / 1e6 : 1e-4;
}

absl::StatusOr<double> PopulationStabilityIndex(absl::Span<const double> reference,
                                                absl::Span<const double> current) {
  double total_e = 0.0, total_a = 0.0;
  if (absl::Status s =
          CheckWeights(reference, current, "PopulationStabilityIndex", total_e, total_a);
      !s.ok()) {
    return s;
  }
  // Smallest non-zero share of each vector decides its epsilon; computed without allocating.
  double min_e = INFINITY, min_a = INFINITY;
  for (size_t i = 0; i < reference.size(); ++i) {
    if (reference[i] > 0.0) min_e = std::min(min_e, reference[i] / total_e);
    if (current[i] > 0.0) min_a = std::min(min_a, current[i] / total_a);
  }
  const double eps_e = PsiEmptyBinShare({&min_e, 1});
  const double eps_a = PsiEmptyBinShare({&min_a, 1});
  double psi = 0.0;
  for (size_t i = 0; i < reference.size(); ++i) {
    const double e = reference[i] > 0.0 ? reference[i] / total_e : eps_e;
    const double a = current[i] > 0.0 ? current[i] / total_a : eps_a;
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

}  // namespace modelgate::stats
