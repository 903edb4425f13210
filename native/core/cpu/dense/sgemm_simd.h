// Dense SGEMM / GEMV bodies (contract: dense_isa.h), templates over the ISA's vector helpers VT
// (simd_vt_avx512.h / simd_vt_avx2.h) and its register blocking Cfg, instantiated by
// spmm_dense_avx512.cc and spmm_dense_avx2.cc only. Cfg provides: kMr (W rows per register block) and
// kTilesPerPass (16-wide X^T tiles per micro-kernel call: kMr x kTilesPerPass * 16 / W accumulators
// must fit the registers), copyRow(src, dst, n) (n weights of a row as fp32) and dots<NR>(rows, x, n,
// out) (NR dot products), the two with the ISA's own row tails.
//
// Batch > 1: C^T[rows, batch] = W[rows, K] * X^T[K, batch]. Per block of kMr W rows and kGemmKc
// columns, the W block is copied (fp16 converted) into an L1 buffer [kMr][kGemmKc]; the micro-kernel
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

// c[t * kMr * 16 + i * 16 + lane] (+)= sum_k wp[i * kGemmKc + k] * xt[t * tileStride + k * 16 + lane]
// for the NT tiles t of this call.
template <class VT, class Cfg, int NT>
inline void microKernel(const float* __restrict wp, const float* __restrict xt, std::size_t tileStride,
                        std::size_t kc, float* __restrict c, bool accumulate) {
  constexpr std::size_t kMr = Cfg::kMr;
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

template <class VT, class Cfg, class V>
void denseTilesT(const DenseGemmArgs& a, const V* w, std::size_t r0, std::size_t r1) {
  constexpr std::size_t kMr = Cfg::kMr;
  constexpr int kTilesPerPass = Cfg::kTilesPerPass;
  const std::size_t cols = a.w.cols, tileStride = cols * kLanes;
  alignas(64) float wp[kMr * kGemmKc];
  alignas(64) float cbuf[kMaxTiles * kMr * kLanes];
  for (std::size_t r = r0; r < r1; r += kMr) {
    const std::size_t nr = minSz(kMr, r1 - r);
    for (std::size_t k0 = 0; k0 < cols; k0 += kGemmKc) {
      const std::size_t kc = minSz(kGemmKc, cols - k0);
      // Rows past nr repeat the last row (computed, never stored).
      for (std::size_t i = 0; i < kMr; ++i) Cfg::copyRow(w + (r + minSz(i, nr - 1)) * cols + k0, wp + i * kGemmKc, kc);
      const float* xk = a.xt + k0 * kLanes;
      std::size_t t = 0;
      for (; t + kTilesPerPass <= a.tiles; t += kTilesPerPass)
        microKernel<VT, Cfg, kTilesPerPass>(wp, xk + t * tileStride, tileStride, kc, cbuf + t * kMr * kLanes, k0 > 0);
      for (; t < a.tiles; ++t)
        microKernel<VT, Cfg, 1>(wp, xk + t * tileStride, tileStride, kc, cbuf + t * kMr * kLanes, k0 > 0);
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

template <class Cfg, class V>
void denseGemvT(const DenseGemmArgs& a, const V* w, std::size_t r0, std::size_t r1) {
  const std::size_t cols = a.w.cols;
  float s[4];
  std::size_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const V* rows[4] = {w + r * cols, w + (r + 1) * cols, w + (r + 2) * cols, w + (r + 3) * cols};
    if (r + 8 <= r1)  // the next rows' first lines: the streams start while these finish
      for (int i = 4; i < 8; ++i) _mm_prefetch(reinterpret_cast<const char*>(w + (r + i) * cols), _MM_HINT_T0);
    Cfg::template dots<4>(rows, a.x, cols, s);
    for (std::size_t i = 0; i < 4; ++i) a.y[a.rowIds ? a.rowIds[r + i] : r + i] = s[i];
  }
  for (; r < r1; ++r) {
    const V* row[1] = {w + r * cols};
    Cfg::template dots<1>(row, a.x, cols, s);
    a.y[a.rowIds ? a.rowIds[r] : r] = s[0];
  }
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse
