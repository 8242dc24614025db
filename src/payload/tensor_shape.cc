// Checked element count of a wire-supplied tensor shape.
#include "payload/tensor_shape.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace modelgate::payload {

absl::StatusOr<uint64_t> ElementCount(absl::Span<const int64_t> shape) {
  bool has_zero = false;
  for (int64_t dim : shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape ", ShapeString(shape), " has a negative dimension (", dim, ")"));
    }
    has_zero = has_zero || dim == 0;
  }
  // A zero dimension makes the tensor empty however large the others are; checking it first
  // keeps [2^40, 2^40, 0] from being reported as an overflow.
  if (has_zero) return 0;
  uint64_t count = 1;
  for (int64_t dim : shape) {
    const uint64_t d = static_cast<uint64_t>(dim);
    if (count > std::numeric_limits<uint64_t>::max() / d) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape ", ShapeString(shape), " has more elements than fit in 64 bits"));
    }
    count *= d;
  }
  return count;
}

std::string ShapeString(absl::Span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

}  // namespace modelgate::payload
