// FP16 and BF16 decoding by their definitions, independent of compiler support for half types.
#include "payload/half_float.h"

#include <bit>
#include <cmath>
#include <limits>

namespace modelgate::payload {

double HalfToDouble(uint16_t bits) {
  const bool negative = (bits & 0x8000) != 0;
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  double magnitude;
  if (exponent == 0) {
    // Zero or subnormal: no implicit leading 1, fixed scale 2^-14 for the 0.mantissa fraction.
    magnitude = std::ldexp(static_cast<double>(mantissa), -24);
  } else if (exponent == 0x1f) {
    magnitude = mantissa == 0 ? std::numeric_limits<double>::infinity()
                              : std::numeric_limits<double>::quiet_NaN();
  } else {
    // 1.mantissa × 2^(exponent - 15), written as an integer significand times a power of two.
    magnitude = std::ldexp(static_cast<double>(mantissa | 0x400), exponent - 25);
  }
  return negative ? -magnitude : magnitude;
}

double Bfloat16ToDouble(uint16_t bits) {
  return static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits) << 16));
}

}  // namespace modelgate::payload
