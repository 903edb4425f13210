// Vector bias + activation (EpilogueSpanFn, epilogue.h), written against the ISA's struct VT; the
// bodies of the ISA kernel tables (*_simd.h) instantiate epilogueSpanT<VT> for their table.
// GELU is 0.5 v erfc(-v / sqrt 2) with erfc from the Chebyshev fit of Numerical Recipes ("erfcc",
// fractional error < 1.2e-7 for every argument): computing erfc directly keeps the relative accuracy
// in the negative tail, where 1 + erf(x) would cancel. NaN in v reaches y through the final product.
#pragma once
#include <cstddef>
#include <cstdint>

#include "epilogue.h"

namespace gsparse {
namespace cpu {
namespace {

// e^x, x clamped to [-80, 88] (the caller uses it only for x in [-80, 0]): the clamp keeps every lane
// normal, since a subnormal costs a microcode assist even in lanes that are discarded.
// Range reduction by ln 2 in two parts, then the degree-7
// Taylor polynomial on |r| <= ln2/2 (truncation below 6e-9 relative) and scaling by 2^n.
// Each step runs over K vectors at once: one GELU is a chain of ~50 dependent operations, and only with
// K independent chains interleaved does the core have enough ready work to hide their latency (K = 1 ran
// at about a third of the throughput).
template <class VTs, int K>
void expK(typename VTs::V* x) {
  using V = typename VTs::V;
  constexpr float kTaylor[] = {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f, 1.0f, 1.0f};
  V n[K], p[K];
  for (int k = 0; k < K; ++k) {
    x[k] = VTs::max(VTs::set1(-80.0f), VTs::min(x[k], VTs::set1(88.0f)));
    n[k] = VTs::round(VTs::mul(x[k], VTs::set1(1.44269504088896341f)));
  }
  for (int k = 0; k < K; ++k) x[k] = VTs::fma(n[k], VTs::set1(-0.693359375f), x[k]);
  for (int k = 0; k < K; ++k) x[k] = VTs::fma(n[k], VTs::set1(2.12194440e-4f), x[k]);
  for (int k = 0; k < K; ++k) p[k] = VTs::set1(1.0f / 5040.0f);
  for (float c : kTaylor)
    for (int k = 0; k < K; ++k) p[k] = VTs::fma(p[k], x[k], VTs::set1(c));
  for (int k = 0; k < K; ++k) x[k] = VTs::scale2(p[k], n[k]);
}

template <class VTs, int K>
void geluK(typename VTs::V* v) {
  using V = typename VTs::V;
  constexpr float kErfcc[] = {-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f,
                               0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f};
  const V one = VTs::set1(1.0f);
  V z[K], t[K], q[K], e[K];
  for (int k = 0; k < K; ++k) {
    // erfc is 0 or 2 to float precision beyond |v| = 20, so clamp there (v^2 stays finite; NaN becomes
    // 20 and still reaches y through the final product).
    const V vc = VTs::max(VTs::set1(-20.0f), VTs::min(v[k], VTs::set1(20.0f)));
    z[k] = VTs::mul(vc, VTs::set1(-0.70710678118654752f));
    t[k] = VTs::recip(VTs::fma(VTs::abs(z[k]), VTs::set1(0.5f), one));
    // Exponent q - v^2 / 2 with v^2 = hi + lo exactly: z^2 would add z's rounding, magnified by |z|^2.
    const V hi = VTs::mul(vc, vc);
    e[k] = VTs::fma(VTs::set1(-0.5f), VTs::fma(vc, vc, VTs::sub(VTs::zero(), hi)), VTs::mul(VTs::set1(-0.5f), hi));
    q[k] = VTs::set1(0.17087277f);
  }
  for (float c : kErfcc)
    for (int k = 0; k < K; ++k) q[k] = VTs::fma(q[k], t[k], VTs::set1(c));
  V ex[K];
  for (int k = 0; k < K; ++k) ex[k] = e[k] = VTs::add(e[k], q[k]);
  expK<VTs, K>(ex);
  for (int k = 0; k < K; ++k) {
    // erfc(|z|); taken as 0 where the exponent is below -80 (|z| > 8.8, erfc < 1e-35), so the products
    // below make no subnormals either.
    const V ans = VTs::selectNeg(VTs::add(e[k], VTs::set1(80.0f)), VTs::zero(), VTs::mul(t[k], ex[k]));
    const V erfc = VTs::selectNeg(z[k], VTs::sub(VTs::set1(2.0f), ans), ans);
    v[k] = VTs::mul(VTs::mul(VTs::set1(0.5f), v[k]), erfc);
  }
}

// K vectors of outputs from i on (the last one may be partial: n <= K * W).
template <class VTs, int K>
void epilogueK(const float* src, std::size_t stride, const float* bias, uint8_t act, float* y, std::size_t n) {
  constexpr std::size_t W = VTs::W;
  typename VTs::V v[K];
  for (int k = 0; k < K; ++k) {
    const std::size_t i = k * W, m = n > i ? (n - i < W ? n - i : W) : 0;
    v[k] = VTs::loadStrided(src + i * stride, stride, m);
    if (bias) v[k] = VTs::add(v[k], VTs::loadStrided(bias + i, 1, m));
  }
  if (act == kActRelu)
    for (int k = 0; k < K; ++k) v[k] = VTs::max(VTs::zero(), v[k]);  // maxps returns its second operand for NaN
  else if (act == kActGelu)
    geluK<VTs, K>(v);
  for (int k = 0; k < K; ++k) {
    const std::size_t i = k * W;
    if (n > i) VTs::storeN(y + i, v[k], n - i < W ? n - i : W);
  }
}

template <class VTs>
void epilogueSpanT(const float* src, std::size_t stride, const float* bias, uint8_t act, float* y, std::size_t n) {
  constexpr std::size_t K = 4, step = K * VTs::W;
  std::size_t i = 0;
  for (; i + step <= n; i += step) epilogueK<VTs, K>(src + i * stride, stride, bias ? bias + i : nullptr, act, y + i, step);
  for (; i < n; i += VTs::W) {
    const std::size_t m = n - i < static_cast<std::size_t>(VTs::W) ? n - i : VTs::W;
    epilogueK<VTs, 1>(src + i * stride, stride, bias ? bias + i : nullptr, act, y + i, m);
  }
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse
