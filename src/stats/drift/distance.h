// Distances between two distributions given exactly: Wasserstein-1 between two raw samples, and
// the Jensen–Shannon distance and Population Stability Index between two vectors of bin weights.
// Definitions follow SciPy (`wasserstein_distance`, `spatial.distance.jensenshannon` with natural
// logs) and Evidently (PSI's epsilon rule), so values can be checked against them. Pure and
// thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace modelgate::stats {

// W1 = integral |F_n(t) - G_m(t)| dt between the empirical CDFs (the earth mover's distance,
// in the units of the data). Copies and sorts. InvalidArgument for an empty sample or a
// non-finite value.
absl::StatusOr<double> Wasserstein1(absl::Span<const double> x, absl::Span<const double> y);

// Same on samples already sorted ascending; no allocation.
absl::StatusOr<double> Wasserstein1Sorted(absl::Span<const double> x_sorted,
                                          absl::Span<const double> y_sorted);

// sqrt(JSD) with JSD = KL(P||M)/2 + KL(Q||M)/2, M = (P+Q)/2, natural logs, so the result is in
// [0, sqrt(ln 2)]. `p` and `q` are non-negative weights (counts or shares) over the same bins,
// each normalised to sum 1 here. Empty bins need no epsilon (0 * ln 0 = 0). InvalidArgument for
// mismatched or empty vectors, a negative or non-finite weight, or a zero total.
absl::StatusOr<double> JensenShannonDistance(absl::Span<const double> p,
                                             absl::Span<const double> q);

// The share substituted for an empty bin by PsiFromWeights: Evidently's rule, applied to each
// vector separately — 1e-4, or (smallest non-zero share)/1e6 when that share is itself <= 1e-4
// so the substitute stays well below every real share. Shares are not renormalised afterwards
// (as in Evidently). `shares` must contain a positive value.
double PsiEmptyBinShare(absl::Span<const double> shares);

// PSI = sum_i (a_i - e_i) ln(a_i / e_i), e = reference shares, a = current shares, with empty
// bins replaced per PsiEmptyBinShare. Rule of thumb: < 0.1 stable, 0.1–0.25 moderate, > 0.25
// significant — but with no drift E[PSI] ~ (B-1)(1/n + 1/m) for B bins and n, m observations,
// so small samples look drifted. Inputs as for JensenShannonDistance.
absl::StatusOr<double> PopulationStabilityIndex(absl::Span<const double> reference,
                                                absl::Span<const double> current);

}  // namespace modelgate::stats
