// Dense SGEMM / GEMV bodies (contract: dense_isa.h), templates over the ISA's vector helpers VT
// (simd_vt_avx512.h / simd_vt_avx2.h, with their own row tails) and its register blocking: Mr W rows
// per register block and TilesPerPass 16-wide X^T tiles per micro-kernel call (Mr x TilesPerPass *
// 16 / W accumulators must fit the registers); spmm_dense_avx512.cc and spmm_dense_avx2.cc define
// their table from denseIsa<VT, Mr, TilesPerPass>().
//
// Batch > 1: C^T[rows, batch] = W[rows, K] * X^T[K, batch]. Per block of Mr W rows and kGemmKc
// columns, the W block is copied (fp16 converted) into an L1 buffer [Mr][kGemmKc]; the micro-kernel
// broadcasts W[i][k] and FMAs it against the X^T row vectors of its tiles. Partial sums across K
// blocks live in a small per-call buffer. Batch 1: rows dotted 4 at a time against x.
#pragma once
#include <xmmintrin.h>

#include <cstddef>

#include "dense_isa.h"

namespace gsparse {
namespace cpu {
namespace {

constexpr std::size_t kLanes = 16;     // X^T tile width (kBatchTile)
constexpr std::size_t kMaxTiles = 16;  // XView::kMaxPassTiles

inline std::size_t minSz(std::size_t a, std::size_t b) { return a < b ? a : b; }

// n weights of one row as fp32: whole vectors, then the ISA's tail.
template <class VT, class T>
inline void copyRow(const T* src, float* dst, std::size_t n) {
  std::size_t k = 0;
  for (; k + VT::W <= n; k += VT::W) VT::store(dst + k, VT::loadValues(src + k));
  VT::copyTail(src + k, dst + k, n - k);
}

// out[i] = dot products of NR rows (pointers w[i]) with x over n columns: 2W columns per step into
// two accumulators per row, then the ISA's tail.
template <class VT, int NR, class V>
inline void dots(const V* const* w, const float* x, std::size_t n, float* out) {
  constexpr std::size_t W = VT::W;
  typename VT::V acc0[NR], acc1[NR];
  for (int i = 0; i < NR; ++i) acc0[i] = acc1[i] = VT::zero();
  std::size_t k = 0;
  for (; k + 2 * W <= n; k += 2 * W) {
    const typename VT::V xa = VT::loadu(x + k), xb = VT::loadu(x + k + W);
#pragma GCC unroll 4
    for (int i = 0; i < NR; ++i) {
      acc0[i] = VT::fma(VT::loadValues(w[i] + k), xa, acc0[i]);
      acc1[i] = VT::fma(VT::loadValues(w[i] + k + W), xb, acc1[i]);
    }
  }
  for (int i = 0; i < NR; ++i) out[i] = VT::dotTail(acc0[i], acc1[i], w[i] + k, x + k, n - k);
}

// c[t * Mr * 16 + i * 16 + lane] (+)= sum_k wp[i * kGemmKc + k] * xt[t * tileStride + k * 16 + lane]
// for the NT tiles t of this call.
template <class VT, std::size_t Mr, int NT>
inline void microKernel(const float* __restrict wp, const float* __restrict xt, std::size_t tileStride,
                        std::size_t kc, float* __restrict c, bool accumulate) {
  constexpr std::size_t kMr = Mr;
  constexpr int TV = kLanes / VT::W, NV = NT * TV;  // vectors per tile row, per accumulator row
  auto at = [&](int v) { return (v / TV) * tileStride + (v % TV) * VT::W; };
  auto cAt = [](std::size_t i, int v) { return (v / TV) * kMr * kLanes + i * kLanes + (v % TV) * VT::W; };
  typename VT::V acc[kMr][NV];
#pragma GCC unroll 16
  for (std::size_t i = 0; i < kMr; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = accumulate ? VT::load(c + cAt(i, v)) : VT::zero();
  for (std::size_t k = 0; k < kc; ++k) {
    typename VT::V xv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) xv[v] = VT::load(xt + at(v) + k * kLanes);
#pragma GCC unroll 16
    for (std::size_t i = 0; i < kMr; ++i) {
      const typename VT::V wv = VT::bcast(wp + i * kGemmKc + k);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = VT::fma(wv, xv[v], acc[i][v]);
    }
  }
#pragma GCC unroll 16
  for (std::size_t i = 0; i < kMr; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) VT::store(c + cAt(i, v), acc[i][v]);
}

template <class VT, std::size_t Mr, int TilesPerPass, class V>
void denseTilesT(const DenseGemmArgs& a, const V* w, std::size_t r0, std::size_t r1) {
  constexpr std::size_t kMr = Mr;
  constexpr int kTilesPerPass = TilesPerPass;
  const std::size_t cols = a.w.cols, tileStride = cols * kLanes;
  alignas(64) float wp[kMr * kGemmKc];
  alignas(64) float cbuf[kMaxTiles * kMr * kLanes];
  for (std::size_t r = r0; r < r1; r += kMr) {
    const std::size_t nr = minSz(kMr, r1 - r);
    for (std::size_t k0 = 0; k0 < cols; k0 += kGemmKc) {
      const std::size_t kc = minSz(kGemmKc, cols - k0);
      // Rows past nr repeat the last row (computed, never stored).
      for (std::size_t i = 0; i < kMr; ++i) copyRow<VT>(w + (r + minSz(i, nr - 1)) * cols + k0, wp + i * kGemmKc, kc);
      const float* xk = a.xt + k0 * kLanes;
      std::size_t t = 0;
      for (; t + kTilesPerPass <= a.tiles; t += kTilesPerPass)
        microKernel<VT, kMr, kTilesPerPass>(wp, xk + t * tileStride, tileStride, kc, cbuf + t * kMr * kLanes, k0 > 0);
      for (; t < a.tiles; ++t)
        microKernel<VT, kMr, 1>(wp, xk + t * tileStride, tileStride, kc, cbuf + t * kMr * kLanes, k0 > 0);
    }
    for (std::size_t t = 0; t < a.tiles; ++t) {
      const std::size_t width = minSz(kLanes, a.batch - t * kLanes);
      const float* ct = cbuf + t * kMr * kLanes;
      for (std::size_t j = 0; j < width; ++j) {
        float* yb = a.y + (a.b0 + t * kLanes + j) * a.yRows;
        for (std::size_t i = 0; i < nr; ++i) yb[a.rowIds ? a.rowIds[r + i] : r + i] = ct[i * kLanes + j];
      }
    }
  }
}

template <class VT, class V>
void denseGemvT(const DenseGemmArgs& a, const V* w, std::size_t r0, std::size_t r1) {
  const std::size_t cols = a.w.cols;
  float s[4];
  std::size_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const V* rows[4] = {w + r * cols, w + (r + 1) * cols, w + (r + 2) * cols, w + (r + 3) * cols};
    if (r + 8 <= r1)  // the next rows' first lines: the streams start while these finish
      for (int i = 4; i < 8; ++i) _mm_prefetch(reinterpret_cast<const char*>(w + (r + i) * cols), _MM_HINT_T0);
    dots<VT, 4>(rows, a.x, cols, s);
    for (std::size_t i = 0; i < 4; ++i) a.y[a.rowIds ? a.rowIds[r + i] : r + i] = s[i];
  }
  for (; r < r1; ++r) {
    const V* row[1] = {w + r * cols};
    dots<VT, 1>(row, a.x, cols, s);
    a.y[a.rowIds ? a.rowIds[r] : r] = s[0];
  }
}

// The DenseIsa entries: the dtype switch, then the bodies above.
template <class VT>
void denseGemv(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  withValueType(a.w, [&](auto w) { denseGemvT<VT>(a, w, r0, r1); });
}

template <class VT, std::size_t Mr, int TilesPerPass>
void denseTiles(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  withValueType(a.w, [&](auto w) { denseTilesT<VT, Mr, TilesPerPass>(a, w, r0, r1); });
}

template <class VT, std::size_t Mr, int TilesPerPass>
constexpr DenseIsa denseIsa() {
  return {denseGemv<VT>, denseTiles<VT, Mr, TilesPerPass>, Mr};
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse
