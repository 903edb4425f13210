// GS gather kernel bodies (contracts: gs_isa.h), templates over the ISA's vector helpers VT
// (simd_vt_avx512.h / simd_vt_avx2.h); spmm_gs_avx512.cc and spmm_gs_avx2.cc define their table
// from gsIsa<VT>().
//
// Batch 1: per pack, W lanes at a time load values and column indices, gather x[col] (bank-conflict
// free by the GS construction; padding lanes, value 0, are masked off and never read x) and FMA into
// per-lane accumulators, two sets (even / odd packs) so two FMA chains are in flight per vector;
// E-lane segments are reduced once per group.
// Batch 2..: the packs are loaded once for up to 4 x rows (gsGatherRowsT), one W-lane vector at a time.
#pragma once
#include <cstddef>

#include "../packed_view.h"
#include "../stream_prefetch.h"
#include "gs_isa.h"

namespace gsparse {
namespace cpu {
namespace {

// A group's row sums from its pack lanes: out[r] = lanes[r * E] + ... + lanes[r * E + E - 1], r < R.
inline void sumRowLanes(const float* lanes, std::size_t E, std::size_t R, float* out) {
  for (std::size_t r = 0; r < R; ++r) {
    float s = 0.0f;
    for (std::size_t e = 0; e < E; ++e) s += lanes[r * E + e];
    out[r] = s;
  }
}

template <class VT, class Val, class Idx>
void gsGatherT(const PackedView& a, const Val* val, const Idx* idx, const float* x, std::size_t g0, std::size_t g1,
               float* rowSums) {
  constexpr std::size_t kMaxVecs = 64 / VT::W;  // banks <= 64
  const std::size_t B = a.banks, E = a.perRow, R = B / E, nv = B / VT::W;
  alignas(64) float lanes[64];
  for (std::size_t g = g0; g < g1; ++g) {
    typename VT::V acc[2][kMaxVecs];
    for (std::size_t v = 0; v < kMaxVecs; ++v) acc[0][v] = acc[1][v] = VT::zero();
    for (std::size_t p = a.ptr[g]; p < a.end[g]; ++p) {
      prefetchAhead(val + p * B);
      prefetchAhead(idx + p * B);
      typename VT::V* ac = acc[p & 1];
      for (std::size_t v = 0; v < nv; ++v) {
        const std::size_t base = p * B + v * VT::W;
        const typename VT::V w = VT::loadValues(val + base);
        ac[v] = VT::fma(w, VT::gather(x, VT::loadIndices(idx + base), VT::nonzero(w)), ac[v]);
      }
    }
    for (std::size_t v = 0; v < nv; ++v) VT::store(lanes + v * VT::W, VT::add(acc[0][v], acc[1][v]));
    sumRowLanes(lanes, E, R, rowSums + (g - g0) * R);
  }
}

// NB x rows (x + b * xStride), vector v of group g's packs: lanes[b * 64 + v * W + j].
template <class VT, int NB, class Val, class Idx>
void gsGatherRowsT(const PackedView& a, const Val* val, const Idx* idx, const float* x, std::size_t xStride,
                   std::size_t g, std::size_t v, float* lanes /* [NB][64] */) {
  const std::size_t B = a.banks;
  typename VT::V acc[NB];
  for (int b = 0; b < NB; ++b) acc[b] = VT::zero();
  for (std::size_t p = a.ptr[g]; p < a.end[g]; ++p) {
    const std::size_t base = p * B + v * VT::W;
    const typename VT::VI ix = VT::loadIndices(idx + base);
    const typename VT::V w = VT::loadValues(val + base);
    const typename VT::M m = VT::nonzero(w);
    for (int b = 0; b < NB; ++b) acc[b] = VT::fma(w, VT::gather(x + b * xStride, ix, m), acc[b]);
  }
  for (int b = 0; b < NB; ++b) VT::store(lanes + b * 64 + v * VT::W, acc[b]);
}

template <class VT, class Val, class Idx>
void gsGatherBatchT(const PackedView& a, const Val* val, const Idx* idx, const float* x0, std::size_t xStride,
                    std::size_t nb, std::size_t g0, std::size_t g1, float* rowSums) {
  const std::size_t B = a.banks, E = a.perRow, R = B / E, nv = B / VT::W, plane = (g1 - g0) * R;
  alignas(64) float lanes[4 * 64];
  for (std::size_t b0 = 0; b0 < nb; b0 += 4) {
    const std::size_t bn = nb - b0 < 4 ? nb - b0 : 4;
    const float* x = x0 + b0 * xStride;
    for (std::size_t g = g0; g < g1; ++g) {
      for (std::size_t v = 0; v < nv; ++v) {
        if (bn == 4) gsGatherRowsT<VT, 4>(a, val, idx, x, xStride, g, v, lanes);
        else if (bn == 3) gsGatherRowsT<VT, 3>(a, val, idx, x, xStride, g, v, lanes);
        else if (bn == 2) gsGatherRowsT<VT, 2>(a, val, idx, x, xStride, g, v, lanes);
        else gsGatherRowsT<VT, 1>(a, val, idx, x, xStride, g, v, lanes);
      }
      for (std::size_t b = 0; b < bn; ++b) sumRowLanes(lanes + b * 64, E, R, rowSums + (b0 + b) * plane + (g - g0) * R);
    }
  }
}

// The GsIsa entries: the dtype x index-width switch, then the bodies above.
template <class VT>
void gsGather(const PackedView& w, const float* x, std::size_t g0, std::size_t g1, float* rowSums) {
  withTypes<kWidths24>(w, [&](auto val, auto idx) { gsGatherT<VT>(w, val, idx, x, g0, g1, rowSums); });
}

template <class VT>
void gsGatherBatch(const PackedView& w, const float* x, std::size_t xStride, std::size_t nb, std::size_t g0,
                   std::size_t g1, float* rowSums) {
  withTypes<kWidths24>(w, [&](auto val, auto idx) {
    gsGatherBatchT<VT>(w, val, idx, x, xStride, nb, g0, g1, rowSums);
  });
}

template <class VT>
constexpr GsIsa gsIsa() {
  return {gsGather<VT>, gsGatherBatch<VT>};
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse
