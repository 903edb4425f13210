// Vector bias + activation (epilogue_span.h), written against the ISA's struct VT; included only by
// the per-ISA files epilogue_avx512.cc / epilogue_avx2.cc after their simd_vt_*.h.
// GELU is 0.5 v erfc(-v / sqrt 2) with erfc from the Chebyshev fit of Numerical Recipes ("erfcc",
// fractional error < 1.2e-7 for every argument): computing erfc directly keeps the relative accuracy
// in the negative tail, where 1 + erf(x) would cancel. NaN in v reaches y through the final product.
#pragma once
#include <cstddef>
#include <cstdint>

#include "epilogue_span.h"

namespace gsparse {
namespace cpu {
namespace {

// e^x, x clamped to [-80, 88] (the caller uses it only for x in [-80, 0]): the clamp keeps every lane
// normal, since a subnormal costs a microcode assist even in lanes that are discarded.
// Range reduction by ln 2 in two parts, then the degree-7
// Taylor polynomial on |r| <= ln2/2 (truncation below 6e-9 relative) and scaling by 2^n.
template <class VTs>
typename VTs::V expV(typename VTs::V x) {
  using V = typename VTs::V;
  x = VTs::max(VTs::set1(-80.0f), VTs::min(x, VTs::set1(88.0f)));
  const V n = VTs::round(VTs::mul(x, VTs::set1(1.44269504088896341f)));
  V r = VTs::fma(n, VTs::set1(-0.693359375f), x);
  r = VTs::fma(n, VTs::set1(2.12194440e-4f), r);
  constexpr float kTaylor[] = {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f};
  V p = VTs::set1(1.0f / 5040.0f);
  for (float c : kTaylor) p = VTs::fma(p, r, VTs::set1(c));
  return VTs::scale2(p, n);
}

template <class VTs>
typename VTs::V geluV(typename VTs::V v) {
  using V = typename VTs::V;
  const V one = VTs::set1(1.0f);
  // erfc is 0 or 2 to float precision beyond |v| = 20, so clamp there (v^2 stays finite; NaN becomes 20
  // and still reaches y through the final product).
  const V vc = VTs::max(VTs::set1(-20.0f), VTs::min(v, VTs::set1(20.0f)));
  const V z = VTs::mul(vc, VTs::set1(-0.70710678118654752f));
  const V t = VTs::div(one, VTs::fma(VTs::abs(z), VTs::set1(0.5f), one));
  constexpr float kErfcc[] = {-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f,
                               0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f};
  V q = VTs::set1(0.17087277f);
  for (float c : kErfcc) q = VTs::fma(q, t, VTs::set1(c));
  // erfc(|z|); taken as 0 where the exponent is below -80 (|z| > 8.8, erfc < 1e-35), so the products
  // below make no subnormals either.
  // Exponent q - v^2 / 2 with v^2 = hi + lo exactly: z^2 would add z's rounding, magnified by |z|^2.
  const V hi = VTs::mul(vc, vc), lo = VTs::fma(vc, vc, VTs::sub(VTs::zero(), hi));
  const V e = VTs::fma(VTs::set1(-0.5f), lo, VTs::fma(VTs::set1(-0.5f), hi, q));
  const V ans = VTs::selectNeg(VTs::add(e, VTs::set1(80.0f)), VTs::zero(), VTs::mul(t, expV<VTs>(e)));
  const V erfc = VTs::selectNeg(z, VTs::sub(VTs::set1(2.0f), ans), ans);
  return VTs::mul(VTs::mul(VTs::set1(0.5f), v), erfc);
}

template <class VTs>
void epilogueSpanT(const float* src, std::size_t stride, const float* bias, uint8_t act, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; i += VTs::W) {
    const std::size_t k = n - i < static_cast<std::size_t>(VTs::W) ? n - i : VTs::W;
    typename VTs::V v = VTs::loadStrided(src + i * stride, stride, k);
    if (bias) v = VTs::add(v, VTs::loadStrided(bias + i, 1, k));
    if (act == kActRelu) v = VTs::max(VTs::zero(), v);  // maxps returns its second operand for NaN
    else if (act == kActGelu) v = geluV<VTs>(v);
    VTs::storeN(y + i, v, k);
  }
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse
