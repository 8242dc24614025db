// ErrorSummary over a DDSketch of per-pair maxima plus exact sums.
#include "shadow/error_summary.h"

namespace modelgate::shadow {

ErrorSummary::ErrorSummary()
    : sketch_(stats::DDSketch::Create(kRelativeAccuracy, kMaxBins).value()) {}

void ErrorSummary::AddPair(double pair_max, double pair_sum, int64_t elements) {
  if (elements <= 0) return;
  sketch_.Add(pair_max);
  elements_ += elements;
  sum_ += pair_sum;
}

std::optional<double> ErrorSummary::max() const {
  if (sketch_.count() == 0) return std::nullopt;
  return sketch_.max();
}

std::optional<double> ErrorSummary::mean() const {
  if (elements_ == 0) return std::nullopt;
  return sum_ / static_cast<double>(elements_);
}

std::optional<double> ErrorSummary::PairMaxQuantile(double q) const {
  absl::StatusOr<double> value = sketch_.Quantile(q);
  if (!value.ok()) return std::nullopt;
  return *value;
}

}  // namespace modelgate::shadow
