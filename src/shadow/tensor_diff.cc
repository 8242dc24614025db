// Names of the tensor diff kinds.
#include "shadow/tensor_diff.h"

namespace modelgate::shadow {

absl::string_view KindName(TensorDiffKind kind) {
  switch (kind) {
    case TensorDiffKind::kEqual:
      return "equal";
    case TensorDiffKind::kWithinTolerance:
      return "within_tolerance";
    case TensorDiffKind::kValueMismatch:
      return "value_mismatch";
    case TensorDiffKind::kShapeMismatch:
      return "shape_mismatch";
    case TensorDiffKind::kDatatypeMismatch:
      return "datatype_mismatch";
    case TensorDiffKind::kMissingInShadow:
      return "missing_in_shadow";
    case TensorDiffKind::kExtraInShadow:
      return "extra_in_shadow";
    case TensorDiffKind::kUndecodable:
      return "undecodable";
  }
  return "unknown";
}

bool KindAgrees(TensorDiffKind kind) {
  return kind == TensorDiffKind::kEqual || kind == TensorDiffKind::kWithinTolerance;
}

}  // namespace modelgate::shadow
