// Holm and Benjamini-Hochberg adjusted p-values via one sort and one monotone pass.
#include "stats/hypothesis/multiple.h"

#include <algorithm>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace modelgate::stats {
namespace {

absl::Status Validate(absl::Span<const double> p_values, double alpha) {
  if (!(alpha > 0.0 && alpha < 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("alpha must be in (0, 1), got ", alpha));
  }
  for (size_t i = 0; i < p_values.size(); ++i) {
    if (!(p_values[i] >= 0.0 && p_values[i] <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("p-value ", i, " must be in [0, 1], got ", p_values[i]));
    }
  }
  return absl::OkStatus();
}

// Indices of p_values in ascending order of p; stable so equal p-values keep input order.
std::vector<size_t> AscendingOrder(absl::Span<const double> p_values) {
  std::vector<size_t> order(p_values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p_values[a] < p_values[b]; });
  return order;
}

AdjustedPValues WithRejections(std::vector<double> adjusted, double alpha) {
  AdjustedPValues out;
  out.reject.reserve(adjusted.size());
  for (double a : adjusted) out.reject.push_back(a <= alpha);
  out.adjusted = std::move(adjusted);
  return out;
}

}  // namespace

absl::StatusOr<AdjustedPValues> HolmAdjust(absl::Span<const double> p_values, double alpha) {
  if (absl::Status s = Validate(p_values, alpha); !s.ok()) return s;
  const size_t m = p_values.size();
  const std::vector<size_t> order = AscendingOrder(p_values);
  std::vector<double> adjusted(m);
  double running_max = 0.0;
  for (size_t i = 0; i < m; ++i) {  // i is the 0-based rank, so the factor is m - i
    const double a = std::min(1.0, static_cast<double>(m - i) * p_values[order[i]]);
    running_max = std::max(running_max, a);
    adjusted[order[i]] = running_max;
  }
  return WithRejections(std::move(adjusted), alpha);
}

absl::StatusOr<AdjustedPValues> BenjaminiHochbergAdjust(absl::Span<const double> p_values,
                                                        double q) {
  if (absl::Status s = Validate(p_values, q); !s.ok()) return s;
  const size_t m = p_values.size();
  const std::vector<size_t> order = AscendingOrder(p_values);
  std::vector<double> adjusted(m);
  double running_min = 1.0;
  for (size_t i = m; i-- > 0;) {  // rank i + 1, from the largest p down
    const double a = std::min(
        1.0, static_cast<double>(m) * p_values[order[i]] / static_cast<double>(i + 1));
    running_min = std::min(running_min, a);
    adjusted[order[i]] = running_min;
  }
  return WithRejections(std::move(adjusted), q);
}

}  // namespace modelgate::stats
