// Element count of a tensor shape as the Open Inference Protocol defines it: the product of the
// dimensions, 1 for an empty shape (a scalar). Checked, because the shape comes from the wire and
// is later trusted to size allocations and byte ranges.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace modelgate::payload {

// InvalidArgument for a negative dimension (-1 means "variable" in model metadata, never in an
// actual tensor) and for a product that does not fit in 64 bits.
absl::StatusOr<uint64_t> ElementCount(absl::Span<const int64_t> shape);

// "[2, 3]": the shape as messages print it.
std::string ShapeString(absl::Span<const int64_t> shape);

}  // namespace modelgate::payload
