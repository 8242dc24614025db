// FieldRecord accumulation.
#include "shadow/field_record.h"

namespace modelgate::shadow {

void FieldRecord::AddShadow(const TensorDiff& diff) {
  ++counts_.compared;
  if (!diff.Agrees()) ++counts_.differing;
  ++kinds_[static_cast<size_t>(diff.kind)];
  elements_ += diff.elements;
  elements_within_tolerance_ += diff.elements_within_tolerance;
  if (diff.numeric) {
    abs_error_.AddPair(diff.max_abs_error, diff.sum_abs_error, diff.error_elements);
    rel_error_.AddPair(diff.max_rel_error, diff.sum_rel_error, diff.rel_error_elements);
  }
  if (diff.argmax) {
    argmax_rows_ += diff.argmax_rows;
    argmax_agreeing_ += diff.argmax_rows_agreeing;
  }
  if (diff.kind != TensorDiffKind::kEqual) {
    FieldSample sample;
    sample.kind = diff.kind;
    sample.detail = diff.detail.substr(0, FieldSample::kMaxDetailBytes);
    sample.element = diff.first_difference;
    last_difference_ = std::move(sample);
  }
}

void FieldRecord::AddReference(const TensorDiff& diff) {
  ++counts_.reference_compared;
  if (!diff.Agrees()) ++counts_.reference_differing;
}

std::optional<double> FieldRecord::within_tolerance_rate() const {
  if (elements_ == 0) return std::nullopt;
  return static_cast<double>(elements_within_tolerance_) / static_cast<double>(elements_);
}

std::optional<double> FieldRecord::argmax_agreement_rate() const {
  if (argmax_rows_ == 0) return std::nullopt;
  return static_cast<double>(argmax_agreeing_) / static_cast<double>(argmax_rows_);
}

}  // namespace modelgate::shadow
