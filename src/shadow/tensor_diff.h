// TensorDiff: the comparison of one output tensor of a primary response with the same-named
// output of a shadow response, as counts and extremes that an accumulator can add up without
// keeping any element values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace modelgate::shadow {

// What happened to one tensor. Checked in this order: presence, datatype, shape, decoding, values.
enum class TensorDiffKind {
  kEqual,             // every element exactly equal (NaN equals NaN, -0 equals +0)
  kWithinTolerance,   // not all exactly equal, but every element agrees within tolerance
  kValueMismatch,     // at least one element disagrees
  kShapeMismatch,     // same datatype, different shapes: values not compared
  kDatatypeMismatch,  // different datatype strings: values not compared
  kMissingInShadow,   // the primary has the output, the shadow does not
  kExtraInShadow,     // the shadow has an output the primary does not
  kUndecodable,       // one side's contents do not match its datatype/shape (see `detail`)
};

inline constexpr int kTensorDiffKindCount = 8;

// "equal", "within_tolerance", "value_mismatch", "shape_mismatch", "datatype_mismatch",
// "missing_in_shadow", "extra_in_shadow", "undecodable": the names JSON and metrics use.
absl::string_view KindName(TensorDiffKind kind);

// Whether `kind` counts as agreement (equal or within tolerance); every other kind is a
// difference.
bool KindAgrees(TensorDiffKind kind);

// One element that differs, as text, for diff samples shown to a person.
struct DiffSample {
  int64_t index = 0;  // flat, row-major
  std::string primary;
  std::string shadow;
};

struct TensorDiff {
  std::string name;
  TensorDiffKind kind = TensorDiffKind::kEqual;
  std::string datatype;  // the primary's (the shadow's for kExtraInShadow)
  // Why, for the kinds that did not compare values: "shape [2,3] vs [3,2]", "datatype FP32 vs
  // FP64", "shadow: raw contents hold 6 bytes, ...". Empty otherwise.
  std::string detail;

  // Element counts: zero unless values were compared (equal / within_tolerance / mismatch).
  int64_t elements = 0;
  int64_t elements_within_tolerance = 0;  // includes the exactly equal ones
  int64_t elements_equal = 0;

  // Numeric errors, over elements where both values are finite (a NaN or infinity agrees only
  // with itself and contributes no error, so one NaN cannot make every mean NaN). Integer and
  // BOOL tensors report their exact differences here too; BYTES tensors have none
  // (`numeric` false).
  bool numeric = false;
  int64_t error_elements = 0;  // elements with a finite absolute error
  double max_abs_error = 0;    // max |s - p|
  double sum_abs_error = 0;    // for a mean: sum_abs_error / error_elements
  // Relative error |s - p| / |p|, defined only where p != 0 (a zero primary has no scale; its
  // absolute error still counts above).
  int64_t rel_error_elements = 0;
  double max_rel_error = 0;
  double sum_rel_error = 0;

  // For CompareSettings::argmax_outputs whose values were compared: rows of the last dimension
  // and how many have the same first-maximum index on both sides.
  bool argmax = false;
  int64_t argmax_rows = 0;
  int64_t argmax_rows_agreeing = 0;

  // The first element that disagrees, else the first that is not exactly equal.
  std::optional<DiffSample> first_difference;

  bool Agrees() const { return KindAgrees(kind); }
};

}  // namespace modelgate::shadow
