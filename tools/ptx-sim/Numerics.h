//===- Numerics.h - PTX floating-point semantics on the host ----*- C++ -*-===//
//
// 16-bit formats, rounding modes other than nearest-even, flush-to-zero and
// saturation, as the PTX ISA states them. f16 uses the compiler's _Float16
// (IEEE binary16 with correct rounding); bf16 is done on the bits.
//
//===----------------------------------------------------------------------===//

#ifndef RETNET_PTXSIM_NUMERICS_H
#define RETNET_PTXSIM_NUMERICS_H

#include "Ptx.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace retnet::sim {

inline float asF32(uint64_t b) {
  uint32_t u = uint32_t(b);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline double asF64(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}
inline uint64_t bitsF32(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline uint64_t bitsF64(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}

inline float bf16ToF32(uint16_t h) { return asF32(uint64_t(h) << 16); }
inline float f16ToF32(uint16_t h) {
  _Float16 x;
  std::memcpy(&x, &h, 2);
  return float(x);
}

/// Exact value hi+lo (a double-double) rounded to f32 with `r`.
inline float roundF32(double hi, double lo, Round r) {
  float f = float(hi); // nearest even
  const float inf = std::numeric_limits<float>::infinity();
  if (std::isnan(hi))
    return f;
  if (r == Round::Default || r == Round::Rn) {
    // hi + lo rounds as hi does, unless hi lies halfway between two floats:
    // then lo decides (rounding hi's tie to even would round twice).
    if (lo != 0 && double(f) != hi) {
      float g = std::nextafter(f, hi > double(f) ? inf : -inf);
      if (hi == (double(f) + double(g)) / 2)
        return (lo > 0) == (g > f) ? g : f;
    }
    return f;
  }
  double res;
  if (std::isinf(f) && std::isfinite(hi))
    res = f > 0 ? -1 : 1; // rounded past the largest finite value
  else
    res = (hi - double(f)) + lo;
  if (r == Round::Rz || r == Round::Rzi) {
    if ((f > 0 && res < 0) || (f < 0 && res > 0))
      f = std::nextafter(f, 0.0f);
  } else if (r == Round::Rm || r == Round::Rmi) {
    if (res < 0)
      f = std::nextafter(f, -inf);
  } else if (r == Round::Rp || r == Round::Rpi) {
    if (res > 0)
      f = std::nextafter(f, inf);
  }
  return f;
}

/// f32 → bf16 bits with rounding `r` (nearest even by default).
inline uint16_t f32ToBf16(float f, Round r = Round::Rn) {
  uint32_t u = uint32_t(bitsF32(f));
  if ((u & 0x7FFFFFFFu) > 0x7F800000u)
    return uint16_t((u >> 16) | 0x40); // quiet NaN
  if (r == Round::Rz)
    return uint16_t(u >> 16);
  u += 0x7FFFu + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

/// f32 or f64 → f16 bits with rounding `r`: nearest even, or toward zero
/// (.rz: one step back when the nearest is past the value, infinity too).
inline uint16_t f32ToF16(float f, Round r = Round::Rn) {
  _Float16 h = _Float16(f);
  uint16_t b;
  std::memcpy(&b, &h, 2);
  if (r == Round::Rz && std::fabs(float(h)) > std::fabs(f))
    --b;
  return b;
}
inline uint16_t f64ToF16(double d, Round r = Round::Rn) {
  _Float16 h = _Float16(d);
  uint16_t b;
  std::memcpy(&b, &h, 2);
  if (r == Round::Rz && std::fabs(double(h)) > std::fabs(d))
    --b;
  return b;
}
/// Double → bf16 bits (nearest even) through f32 only when exact enough:
/// rounding twice can differ in a last bit, so round the double directly.
inline uint16_t f64ToBf16(double d) {
  if (std::isnan(d))
    return 0x7FC0;
  float f = float(d);
  // If d is exactly representable in f32 one rounding remains.
  if (double(f) == d)
    return f32ToBf16(f);
  // Otherwise round toward zero to f32 first (sticky bit kept below bf16).
  float z = roundF32(d, 0, Round::Rz);
  uint32_t u = uint32_t(bitsF32(z)) | 1u; // sticky
  u += 0x7FFFu + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

inline float ftz32(float x) {
  return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x;
}

inline float sat01(float x) {
  if (std::isnan(x))
    return 0.0f;
  return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x);
}

/// Value of a 16-bit lane as float (f16 or bf16).
inline float half16(uint16_t h, bool bf) {
  return bf ? bf16ToF32(h) : f16ToF32(h);
}
inline uint16_t toHalf16(double v, bool bf) {
  return bf ? f64ToBf16(v) : f64ToF16(v);
}

} // namespace retnet::sim

#endif // RETNET_PTXSIM_NUMERICS_H
