// O(B) drift measures from two histograms over shared bins.
#include "stats/drift/binned.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "stats/drift/distance.h"

namespace modelgate::stats {
namespace {

absl::StatusOr<int64_t> Total(const BinnedCounts& h, int num_bins, const char* which) {
  if (static_cast<int>(h.counts.size()) != num_bins ||
      static_cast<int>(h.offset_sums.size()) != num_bins) {
    return absl::InvalidArgumentError(
        absl::StrCat("binned drift: ", which, " has ", h.counts.size(), " counts and ",
                     h.offset_sums.size(), " sums, expected ", num_bins));
  }
  int64_t total = 0;
  for (int64_t c : h.counts) {
    if (c < 0) return absl::InvalidArgumentError("binned drift: negative count");
    total += c;
  }
  if (total == 0) {
    return absl::InvalidArgumentError(absl::StrCat("binned drift: ", which, " is empty"));
  }
  return total;
}

}  // namespace

absl::StatusOr<BinnedDrift> CompareBinned(const DriftBins& bins, const BinnedCounts& reference,
                                          const BinnedCounts& current, KsPValueMethod ks_method) {
  const int num_bins = bins.num_bins();
  absl::StatusOr<int64_t> n = Total(reference, num_bins, "reference");
  if (!n.ok()) return n.status();
  absl::StatusOr<int64_t> m = Total(current, num_bins, "current");
  if (!m.ok()) return m.status();

  BinnedDrift out;
  out.n = *n;
  out.m = *m;
  std::vector<double> ref(reference.counts.begin(), reference.counts.end());
  std::vector<double> cur(current.counts.begin(), current.counts.end());
  absl::StatusOr<double> psi = PopulationStabilityIndex(ref, cur);
  if (!psi.ok()) return psi.status();
  out.psi = *psi;
  absl::StatusOr<double> js = JensenShannonDistance(ref, cur);
  if (!js.ok()) return js.status();
  out.js_distance = *js;

  // Close the open end bins at the observed extremes; clamp interior edges into that range so
  // widths stay >= 0 when the data sit strictly inside the reference's range. Every value of
  // bin k then lies within [left, right] of the loop below.
  double lo = std::min(reference.min, current.min);
  double hi = std::max(reference.max, current.max);
  const absl::Span<const double> edges = bins.edges();
  if (!std::isfinite(lo)) lo = edges.front();
  if (!std::isfinite(hi)) hi = edges.back();
  hi = std::max(hi, lo);

  const double n_d = static_cast<double>(*n), m_d = static_cast<double>(*m);
  const double nm = n_d * m_d;
  int64_t cum_ref = 0, cum_cur = 0, ks_best = 0;
  double left = lo;
  double w1 = 0.0, bound = 0.0;
  for (int k = 0; k < num_bins; ++k) {
    const bool last = k == num_bins - 1;
    const double right = last ? hi : std::clamp(edges[k], lo, hi);
    const double width = right - left;
    const int64_t c = reference.counts[k], d = current.counts[k];
    // F and G just below `left` and just below `right` (exact: they are edge counts).
    const double f_left = static_cast<double>(cum_ref) / n_d;
    const double g_left = static_cast<double>(cum_cur) / m_d;
    cum_ref += c;
    cum_cur += d;
    const double f_right = static_cast<double>(cum_ref) / n_d;
    const double g_right = static_cast<double>(cum_cur) / m_d;
    if (!last) ks_best = std::max(ks_best, std::abs(cum_ref * *m - cum_cur * *n));

    // integral over [left, right] of F = F(left) * width + sum over the bin of (right - x)/n,
    // and sum(right - x) = count * (right - anchor) - sum(x - anchor).
    const double to_right = right - bins.Anchor(k);
    const double integral = (f_left - g_left) * width +
                            (static_cast<double>(c) * to_right - reference.offset_sums[k]) / n_d -
                            (static_cast<double>(d) * to_right - current.offset_sums[k]) / m_d;
    w1 += std::abs(integral);
    const double h_max = f_right - g_left, h_min = f_left - g_right;
    if (h_min < 0.0 && h_max > 0.0) bound += 2.0 * width * std::min(h_max, -h_min);
    left = right;
  }
  out.ks_statistic = static_cast<double>(ks_best) / nm;
  out.ks_pvalue = KsPValue(*n, *m, ks_best, ks_method);
  out.w1 = w1;
  out.w1_error_bound = bound;
  return out;
}

}  // namespace modelgate::stats
