// Decoding of one `raw_*_contents` entry of the Open Inference Protocol: `count` elements of a
// numeric datatype, flattened row-major, little-endian, no padding; BOOL is one byte, 0 or 1.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "payload/datatype.h"

namespace modelgate::payload {

// Appends the `count` elements held in `bytes` to `out` as doubles. InvalidArgument when the size
// is not exactly count × element size, or a BOOL byte is neither 0 nor 1; `out` is then left as
// it was. 64-bit integers beyond 2^53 are rounded to the nearest double.
absl::Status DecodeRawContents(DataType type, absl::string_view bytes, uint64_t count,
                               std::vector<double>* out);

}  // namespace modelgate::payload
