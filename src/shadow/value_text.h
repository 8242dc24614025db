// Text of single tensor elements for diff samples: short, exact enough to tell two values apart,
// and safe to print whatever the wire held.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace modelgate::shadow {

// The shortest text that reads back to the same value: as a float when `single_precision` (the
// value came from FP16, BF16 or FP32, so "0.1" rather than "0.10000000149011612"), else as a
// double. "nan", "inf", "-inf" for the special values.
std::string FloatText(double value, bool single_precision);

// `bytes` quoted and C-escaped, cut after 64 bytes with "..." and the full length appended, so
// a sample of a megabyte-long element stays readable.
std::string BytesText(absl::string_view bytes);

}  // namespace modelgate::shadow
