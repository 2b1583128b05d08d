//===- Half.h - bf16 and IEEE half conversions -------------------*- C++ -*-===//
//
// The 16-bit float formats of checkpoints and of 16-bit artifacts' weight
// buffers: decoding (exact) and rounding from f32 to nearest even, the
// rounding the compiled code's arith.truncf does.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_HALF_H
#define RETNET_HALF_H

#include "retnet/WeightLayout.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace retnet {

/// IEEE binary16 bits → value (exact).
inline double halfToDouble(uint16_t h) {
  uint32_t sign = uint32_t(h >> 15), exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0)
    v = std::ldexp(double(mant), -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = std::ldexp(double(mant | 0x400), int(exp) - 25);
  return sign ? -v : v;
}

/// bf16 bits → value (exact).
inline double bf16ToDouble(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// `x` as bf16 bits, rounded to nearest even (NaN stays a quiet NaN).
inline uint16_t floatToBF16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if (std::isnan(x))
    return uint16_t((bits >> 16) | 0x40);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

/// `x` as IEEE binary16 bits, rounded to nearest even (the compiler's
/// _Float16 conversion; beyond the largest half, infinity).
inline uint16_t floatToHalf(float x) {
  _Float16 h = static_cast<_Float16>(x);
  uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

/// `x` rounded (through f32) to the values of `type` (Int8: f32, the type
/// of an int8 artifact's unquantized tensors).
inline double roundTo(WeightDType type, double x) {
  switch (type) {
  case WeightDType::BF16:
    return bf16ToDouble(floatToBF16(float(x)));
  case WeightDType::F16:
    return halfToDouble(floatToHalf(float(x)));
  case WeightDType::F32:
  case WeightDType::Int8:
    break;
  }
  return double(float(x));
}

} // namespace retnet

#endif // RETNET_HALF_H
