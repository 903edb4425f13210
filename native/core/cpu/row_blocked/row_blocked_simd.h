// Row-blocked kernel bodies, templates over the ISA's vector helpers VT (simd_vt_avx512.h /
// simd_vt_avx2.h); row_blocked_avx512.cc and row_blocked_avx2.cc define their table from
// rowBlockedIsa<VT, TilesPerPass>() (layout and contract: row_blocked_isa.h). Per slot, 4 rows x NV vectors of accumulators live in registers while the slot's
// entries stream by: each entry is one broadcast weight and NV FMAs against its column's X^T values,
// which the block keeps in L1. The loop is load-port bound, so a step loads the 4 weights
// at once (lane broadcasts use the shuffle port) and the FMAs' X operands are base + displacement:
// GCC would fold the column offset into each as an indexed operand, which the core splits in two.
// Measured with the kernel alone in a loop (2:4 4096x4096, batch 64, 1 thread): 1.9-2.0 -> 2.4-2.8 G
// zmm FMA/s; the whole call on 2 threads moved within this machine's noise.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../epilogue_simd.h"
#include "../stream_prefetch.h"
#include "row_blocked_isa.h"

namespace gsparse {
namespace cpu {
namespace {

// One entry: weight wi times its X^T column (S interleaved tiles, byte offset off * S from the block's
// start x) into the row's NV accumulators r.
template <class VT, int NV, int S>
inline void laneFma(typename VT::V wi, const char* x, uint16_t off, typename VT::V* r) {
  const float* p = reinterpret_cast<const float*>(x + std::size_t{off} * S);
  asm("" : "+r"(p));  // the address in a register: the loads below are base + displacement
  for (int v = 0; v < NV; ++v) r[v] = VT::fma(wi, VT::load(p + v * VT::W), r[v]);
}

// NV accumulator vectors per row (NV * W / 16 tiles, from tile xg on) out of a group of S tiles
// interleaved per column (row_blocked_isa.h).
template <class VT, int NV, int S>
void chunkT(const RowBlockedArgs& a, std::size_t c, const float* xg, float* acc) {
  static_assert(kRbLanes == 4, "one weight quad per slot step");
  constexpr int NL = static_cast<int>(kRbLanes), TV = 16 / VT::W;
  static_assert(NV % TV == 0 && NV / TV <= S, "whole tiles of the group");
  std::size_t s = c * a.nBlocks * a.slots;
  for (std::size_t k = 0; k < a.nBlocks; ++k) {
    const char* x = reinterpret_cast<const char*>(xg + k * kRbBlockFloats * S);
    for (std::size_t q = 0; q < a.slots; ++q, ++s) {
      const uint8_t* ln = a.lane + s * NL;
      float* ap[NL];
      typename VT::V r[NL][NV];
      for (int i = 0; i < NL; ++i) {
        ap[i] = acc + std::size_t{ln[i]} * 64;
        for (int v = 0; v < NV; ++v) r[i][v] = VT::load(ap[i] + v * VT::W);
      }
      const float* w = a.val + std::size_t{a.ptr[s]} * NL;
      const uint16_t* o = a.off + std::size_t{a.ptr[s]} * NL;
      for (uint32_t e = a.ptr[s]; e < a.ptr[s + 1]; ++e, w += NL, o += NL) {
        if ((e & 3) == 0) {  // one line of values (and half of offsets) per 4 entries
          prefetchAhead(w);
          prefetchAhead(o);
        }
        const typename VT::V wq = VT::loadQuad(w);
        laneFma<VT, NV, S>(VT::template lane<0>(wq), x, o[0], r[0]);
        laneFma<VT, NV, S>(VT::template lane<1>(wq), x, o[1], r[1]);
        laneFma<VT, NV, S>(VT::template lane<2>(wq), x, o[2], r[2]);
        laneFma<VT, NV, S>(VT::template lane<3>(wq), x, o[3], r[3]);
      }
      for (int i = 0; i < NL; ++i)
        for (int v = 0; v < NV; ++v) VT::store(ap[i] + v * VT::W, r[i][v]);
    }
  }
}

// One tile's X^T slice (row_blocked_isa.h, RowBlockedStageFn): W x W register transposes where the
// tile is full, a strided gather per column elsewhere.
template <class VT>
inline void stageT(const float* x, std::size_t cols, std::size_t width, std::size_t nc, float* dst, std::size_t stride) {
  constexpr std::size_t W = VT::W;
  std::size_t c = 0;
  if (width == 16)
    for (; c + W <= nc; c += W)
      for (std::size_t j = 0; j < 16; j += W) VT::transpose(x + j * cols + c, cols, dst + c * stride + j, stride);
  for (; c < nc; ++c)
    for (std::size_t j = 0; j < width; j += W) {
      const std::size_t n = width - j < W ? width - j : W;
      VT::storeN(dst + c * stride + j, VT::loadStrided(x + j * cols + c, cols, n), n);
    }
}

// A group of S interleaved tiles, TilesPerPass of them per chunkT pass (as many accumulators as the
// registers hold: 4 rows x TilesPerPass * 16 / W vectors).
template <class VT, int TilesPerPass, int S>
void chunkTiles(const RowBlockedArgs& a, std::size_t c, const float* xg, float* acc) {
  constexpr int T = TilesPerPass < S ? TilesPerPass : S;
  for (int h = 0; h < S; h += T) chunkT<VT, T * 16 / VT::W, S>(a, c, xg + h * 16, acc + h * 16);
}

// The RowBlockedIsa entries.
template <class VT, int TilesPerPass>
void rowBlockedChunk(const RowBlockedArgs& a, std::size_t c, std::size_t nt, const float* xg, float* acc) {
  if (nt == 4) chunkTiles<VT, TilesPerPass, 4>(a, c, xg, acc);
  else if (nt == 2) chunkTiles<VT, TilesPerPass, 2>(a, c, xg, acc);
  else chunkTiles<VT, TilesPerPass, 1>(a, c, xg, acc);
}

template <class VT, int TilesPerPass>
constexpr RowBlockedIsa rowBlockedIsa() {
  return {stageT<VT>, rowBlockedChunk<VT, TilesPerPass>, epilogueSpanT<VT>};
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse
