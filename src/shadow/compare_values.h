// Element-by-element comparison of two decoded tensors of the same datatype and shape: the
// tolerance rule for floating types, exact equality for the rest, and the error extremes and
// sums a TensorDiff carries.
#pragma once

#include "absl/strings/string_view.h"
#include "shadow/compare_settings.h"
#include "shadow/tensor_data.h"
#include "shadow/tensor_diff.h"

namespace modelgate::shadow {

// Fills the element fields of `diff` (elements, errors, first_difference) and sets its kind to
// kEqual, kWithinTolerance or kValueMismatch. Precondition: same domain and count, which equal
// datatype strings and shapes guarantee. `datatype` only chooses how samples are printed.
void CompareValues(const TensorData& primary, const TensorData& shadow, absl::string_view datatype,
                   const CompareSettings& settings, TensorDiff* diff);

}  // namespace modelgate::shadow
