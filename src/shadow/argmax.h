// Row-wise argmax agreement for class-score tensors of shape [..., C]: each row of C scores
// names a class, and a shadow that changes scores but not decisions agrees here.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/types/span.h"
#include "shadow/tensor_data.h"

namespace modelgate::shadow {

struct ArgmaxAgreement {
  int64_t rows = 0;
  int64_t agreeing = 0;
};

// Compares the index of the first maximum of every row. Both tensors must have the same domain
// and count (same datatype and shape). NaN scores are skipped (a row of only NaNs picks index 0).
// nullopt when argmax means nothing: BYTES, a scalar shape, or a last dimension of 0.
std::optional<ArgmaxAgreement> CompareArgmax(const TensorData& primary, const TensorData& shadow,
                                             absl::Span<const int64_t> shape);

// The number of rows of a [..., C] tensor of `count` elements: nullopt for a scalar shape or a
// last dimension of 0 (the caller excludes BYTES). Used when a response is known equal without
// decoding.
std::optional<int64_t> ArgmaxRows(uint64_t count, absl::Span<const int64_t> shape);

}  // namespace modelgate::shadow
