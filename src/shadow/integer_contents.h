// Exact decoding of integer and BOOL tensors of the Open Inference Protocol. payload/ turns
// everything into doubles, which rounds INT64/UINT64 beyond 2^53; a diff must not call two IDs
// equal because they round alike, so here signed types decode to int64_t and unsigned types and
// BOOL to uint64_t, from raw (little-endian, row-major) or typed contents.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "inference/grpc_predict_v2.pb.h"
#include "payload/datatype.h"

namespace modelgate::shadow {

// INT8, INT16, INT32, INT64.
bool IsSignedInteger(payload::DataType type);
// UINT8, UINT16, UINT32, UINT64 and BOOL (0 or 1).
bool IsUnsignedInteger(payload::DataType type);

// Append `count` elements of `type` to `out`. InvalidArgument when `type` belongs to the other
// overload, when the raw size is not count x element size, when the typed values are not exactly
// `count` in the datatype's field (or another field holds values), or when a BOOL byte is neither
// 0 nor 1. `out` is unchanged on error. Typed values are taken as sent (an INT8 tensor's
// int_contents are not range-checked), as payload/ does.
absl::Status DecodeRawIntegers(payload::DataType type, absl::string_view bytes, uint64_t count,
                               std::vector<int64_t>* out);
absl::Status DecodeRawIntegers(payload::DataType type, absl::string_view bytes, uint64_t count,
                               std::vector<uint64_t>* out);
absl::Status DecodeTypedIntegers(payload::DataType type,
                                 const inference::InferTensorContents& contents, uint64_t count,
                                 std::vector<int64_t>* out);
absl::Status DecodeTypedIntegers(payload::DataType type,
                                 const inference::InferTensorContents& contents, uint64_t count,
                                 std::vector<uint64_t>* out);

}  // namespace modelgate::shadow
