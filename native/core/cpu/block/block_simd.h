// 4 x 1 block kernel bodies (contract: block_isa.h), templates over the ISA's vector helpers VT
// (simd_vt_avx512.h / simd_vt_avx2.h) and TilesPerGroup (X^T tiles per register block of the batched
// kernel); spmm_block_avx512.cc and spmm_block_avx2.cc define their table from
// blockIsa<VT, TilesPerGroup>().
//
// Batch 1 (bandwidth-bound: values streamed once): per block row, W / 4 blocks per vector, each
// block's x[col] repeated over its 4 rows (VT::repeat4), two vectors per step; then the row's last
// blocks one by one. Batched: per block row, one column index per block: the block's X vectors (NV =
// the group's tiles x 16 / W) are loaded once and FMA'd into the 4 rows' accumulators (4 x NV vectors,
// plus NV for X, in registers); the sums then go through bias and the vector epilogue
// (epilogue_simd.h) into y.
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../epilogue_simd.h"
#include "../simd_typed.h"
#include "../stream_prefetch.h"
#include "block_isa.h"

namespace gsparse {
namespace cpu {
namespace {

// Block rows [br0, br1) at batch 1: y[br * 4 + i] = raw dot(row br * 4 + i, x) for the rows inside the
// matrix.
template <class VT, class T, class I>
void blockVecT(const BlockSimdArgs& a, const T* val, const I* idx, const float* x, std::size_t br0, std::size_t br1) {
  constexpr std::size_t B = VT::W / 4;  // blocks per vector
  for (std::size_t br = br0; br < br1; ++br) {
    const std::size_t k0 = a.w.ptr[br], k1 = a.w.end[br];
    typename VT::V acc0 = VT::zero(), acc1 = VT::zero();
    std::size_t k = k0;
    for (; k + 2 * B <= k1; k += 2 * B) {
      for (std::size_t j = 0; j < 8 * B; j += 16) prefetchAhead(val + k * 4 + j);  // a line of fp32 values per 16
      prefetchAhead(idx + k);
      acc0 = VT::fma(VT::loadValues(val + k * 4), VT::repeat4(x, idx + k), acc0);
      acc1 = VT::fma(VT::loadValues(val + k * 4 + VT::W), VT::repeat4(x, idx + k + B), acc1);
    }
    alignas(16) float s[4];
    VT::sumQuads(VT::add(acc0, acc1), s);
    for (; k < k1; ++k) {
      const float xv = x[idx[k]];
      for (int i = 0; i < 4; ++i) s[i] += weightAt(val + k * 4 + i) * xv;
    }
    for (std::size_t i = 0; i < 4; ++i)
      if (br * 4 + i < a.w.rows) a.y[br * 4 + i] = s[i];
  }
}

constexpr std::size_t kCStride = 64;     // floats between two rows of the accumulator panel c
constexpr std::size_t kHalfChunk = 256;  // fp16 blocks widened at once into the fp32 buffer wbuf

// c[i * kCStride + j] for the 4 rows br * 4 + i of block row br and batch rows b0 + j (j < width):
// bias and activation in place over each row's span, then transposed into y. Rows past the matrix
// (in the last block row) were computed but are not stored.
template <class VT>
void storePanel(const BlockSimdArgs& a, float* c, std::size_t br, std::size_t width, std::size_t b0) {
  bool valid[4];
  for (std::size_t i = 0; i < 4; ++i) valid[i] = br * 4 + i < a.w.rows;
  for (std::size_t i = 0; i < 4; ++i) {
    if (!valid[i]) continue;
    float* ci = c + i * kCStride;
    if (a.bias)
      for (std::size_t j = 0; j < width; ++j) ci[j] += a.bias[br * 4 + i];
    epilogueSpanT<VT>(ci, 1, nullptr, a.activation, ci, width);
  }
  for (std::size_t j = 0; j < width; ++j) {
    float* yb = a.y + (b0 + j) * a.w.rows + br * 4;
    for (std::size_t i = 0; i < 4; ++i)
      if (valid[i]) yb[i] = c[i * kCStride + j];
  }
}

// count fp16 weights widened to fp32 with F16C (which both ISAs' flags include), 8 at a time.
inline void halfToFloatN(const uint16_t* src, float* dst, std::size_t count) {
  std::size_t i = 0;
  for (; i + 8 <= count; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  for (; i < count; ++i) dst[i] = _cvtsh_ss(src[i]);
}

// Blocks [k0, k1) of one block row into the 4 x NV accumulators c (zeroed first when `first`);
// w + k * 4 is block k's column of 4 weights, xp[v] the v-th X vector of block column 0.
template <class VT, int NV, class I>
inline void blockMicro(const float* w, const I* idx, std::size_t k0, std::size_t k1, const float* const* xp, float* c,
                       bool first) {
  typename VT::V acc[4][NV];
  for (int r = 0; r < 4; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = first ? VT::zero() : VT::loadu(c + r * kCStride + v * VT::W);
  for (std::size_t k = k0; k < k1; ++k) {
    const std::size_t off = static_cast<std::size_t>(idx[k]) * 16;
    typename VT::V xv[NV];
    for (int v = 0; v < NV; ++v) xv[v] = VT::loadu(xp[v] + off);
    for (int r = 0; r < 4; ++r) {
      const typename VT::V wv = VT::bcast(w + k * 4 + r);
      for (int v = 0; v < NV; ++v) acc[r][v] = VT::fma(wv, xv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < 4; ++r)
    for (int v = 0; v < NV; ++v) VT::storeu(c + r * kCStride + v * VT::W, acc[r][v]);
}

// Block rows [br0, br1) against one group of tiles (NV vectors of batch rows b0 .. b0 + width).
template <class VT, int NV, class I>
void blockTileGroupT(const BlockSimdArgs& a, const I* idx, const float* xt, std::size_t tileStride,
                     std::size_t width, std::size_t b0, std::size_t br0, std::size_t br1, float* c, float* wbuf) {
  constexpr int LPT = 16 / VT::W;
  const float* xp[NV];
  for (int v = 0; v < NV; ++v) xp[v] = xt + (v / LPT) * tileStride + (v % LPT) * VT::W;
  for (std::size_t br = br0; br < br1; ++br) {
    const std::size_t k0 = a.w.ptr[br], k1 = a.w.end[br];
    if (!a.w.f16) {
      blockMicro<VT, NV, I>(static_cast<const float*>(a.w.values), idx, k0, k1, xp, c, true);
    } else {
      const uint16_t* h = static_cast<const uint16_t*>(a.w.values);
      bool first = true;
      for (std::size_t kc = k0; kc < k1 || first; kc += kHalfChunk) {
        const std::size_t ke = k1 - kc < kHalfChunk ? k1 : kc + kHalfChunk;
        if (kc < ke) halfToFloatN(h + kc * 4, wbuf, (ke - kc) * 4);
        // wbuf holds blocks [kc, ke): shift the base so that w + k * 4 addresses block k.
        blockMicro<VT, NV, I>(wbuf - kc * 4, idx, kc, ke, xp, c, first);
        first = false;
      }
    }
    storePanel<VT>(a, c, br, width, b0);
  }
}

// blockTileGroupT for a group of T tiles (1 <= T <= MaxT): NV = T * 16 / W vectors of X.
template <class VT, std::size_t MaxT, class I>
void blockTileGroup(std::size_t T, const BlockSimdArgs& a, const I* idx, const float* xt, std::size_t tileStride,
                    std::size_t width, std::size_t b0, std::size_t br0, std::size_t br1, float* c, float* wbuf) {
  if constexpr (MaxT > 1)
    if (T < MaxT) return blockTileGroup<VT, MaxT - 1, I>(T, a, idx, xt, tileStride, width, b0, br0, br1, c, wbuf);
  blockTileGroupT<VT, static_cast<int>(MaxT * 16 / VT::W), I>(a, idx, xt, tileStride, width, b0, br0, br1, c, wbuf);
}

// The tiles, TilesPerGroup at a time (fewer in the last group).
template <class VT, std::size_t TilesPerGroup, class I>
void blockTilesT(const BlockSimdArgs& a, const I* idx, const float* xt, std::size_t tileStride, std::size_t tiles,
                 std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1) {
  static_assert(TilesPerGroup * 16 <= kCStride, "a group's batch rows fit a panel row");
  alignas(64) float c[4 * kCStride];
  alignas(64) float wbuf[kHalfChunk * 4];
  for (std::size_t t0 = 0; t0 < tiles; t0 += TilesPerGroup) {
    const std::size_t T = tiles - t0 < TilesPerGroup ? tiles - t0 : TilesPerGroup;
    const std::size_t width = batch - t0 * 16 < T * 16 ? batch - t0 * 16 : T * 16;
    blockTileGroup<VT, TilesPerGroup, I>(T, a, idx, xt + t0 * tileStride, tileStride, width, b0 + t0 * 16, br0, br1,
                                         c, wbuf);
  }
}

// The BlockIsa entries: the dtype x index-width switch, then the bodies above.
template <class VT>
void blockVec(const BlockSimdArgs& a, const float* x, std::size_t br0, std::size_t br1) {
  withTypes<kWidths24>(a.w, [&](auto val, auto idx) { blockVecT<VT>(a, val, idx, x, br0, br1); });
}

template <class VT, std::size_t TilesPerGroup>
void blockTiles(const BlockSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles, std::size_t batch,
                std::size_t b0, std::size_t br0, std::size_t br1) {
  // fp16 weights are widened inside (per chunk of blocks): one instance per index type.
  withTypes<kWidths24>(a.w, [&](auto, auto idx) {
    blockTilesT<VT, TilesPerGroup>(a, idx, xt, tileStride, tiles, batch, b0, br0, br1);
  });
}

template <class VT, std::size_t TilesPerGroup>
constexpr BlockIsa blockIsa() {
  return {blockVec<VT>, blockTiles<VT, TilesPerGroup>, epilogueSpanT<VT>};
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse
