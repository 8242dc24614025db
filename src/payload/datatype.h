// The numeric Open Inference Protocol datatypes that payload extraction can turn into doubles,
// with their raw (little-endian) element sizes. BYTES is deliberately absent: it has no numeric
// reading, so parsing it is an error rather than a silent skip.
#pragma once

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace modelgate::payload {

enum class DataType {
  kBool,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFp16,
  kBf16,
  kFp32,
  kFp64,
};

// The datatype named by `name` (exact protocol spelling, e.g. "FP32"). InvalidArgument for BYTES
// and for names the protocol does not define.
absl::StatusOr<DataType> ParseDataType(absl::string_view name);

// Bytes per element in raw contents: BOOL is one byte (0 or 1), the rest their natural width.
size_t RawElementSize(DataType type);

// The protocol spelling of `type`, for messages.
absl::string_view DataTypeName(DataType type);

}  // namespace modelgate::payload
