// Exact conversions of 16-bit floating-point encodings to double: IEEE 754 binary16 (FP16) and
// bfloat16 (BF16). Every value of either format, subnormals included, is representable in a
// double, so these conversions never round. Infinities stay infinities and NaNs stay NaNs.
#pragma once

#include <cstdint>

namespace modelgate::payload {

// `bits` is an IEEE 754 half: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
double HalfToDouble(uint16_t bits);

// `bits` is a bfloat16: the upper half of an IEEE 754 single.
double Bfloat16ToDouble(uint16_t bits);

}  // namespace modelgate::payload
