// GS kernels with AVX2, 8 lanes at a time (same scheme as spmm_gs_avx512.cc): batch-1 gather,
// small-batch gather, and the broadcast-FMA tile kernel (2 ymm per X^T tile row, 6/4/2 lanes per pass).
// Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_load_avx2.h"

namespace gsparse {
namespace cpu {

namespace {


template <class V, class I>
void gather(const GsGatherArgs& a, std::size_t g0, std::size_t g1, float* rowSums) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks, E = a.perRow, R = B / E, nv = B / 8;
  alignas(32) float lanes[64];
  for (std::size_t g = g0; g < g1; ++g) {
    __m256 acc[2][8];
    for (std::size_t v = 0; v < 8; ++v) acc[0][v] = acc[1][v] = _mm256_setzero_ps();
    for (std::size_t p = a.ptr[g]; p < a.ptr[g + 1]; ++p) {
      __m256* ac = acc[p & 1];
      for (std::size_t v = 0; v < nv; ++v) {
        const std::size_t base = p * B + v * 8;
        const __m256 xg = _mm256_i32gather_ps(a.x, loadIndices(idx + base), 4);
        ac[v] = _mm256_fmadd_ps(loadValues(val + base), xg, ac[v]);
      }
    }
    for (std::size_t v = 0; v < nv; ++v) _mm256_store_ps(lanes + v * 8, _mm256_add_ps(acc[0][v], acc[1][v]));
    float* out = rowSums + (g - g0) * R;
    for (std::size_t r = 0; r < R; ++r) {
      float s = 0.0f;
      for (std::size_t e = 0; e < E; ++e) s += lanes[r * E + e];
      out[r] = s;
    }
  }
}

inline const float* packLanes(const float* val, std::size_t base, std::size_t, float*) { return val + base; }
inline const float* packLanes(const uint16_t* val, std::size_t base, std::size_t B, float* fb) {
  for (std::size_t v = 0; v < B; v += 8) _mm256_store_ps(fb + v, loadValues(val + base + v));
  return fb;
}

// NL pack lanes from lane offset laneOff over packs [p0, p1) of one X^T tile: out[l * 16 + j] per
// lane (E > 1 lanes are reduced by the caller). A tile row is 2 ymm; fixed trip counts keep the
// 2 * NL accumulators in registers.
template <int NL, class V, class I>
void tileLanes(const V* val, const I* idx, std::size_t p0, std::size_t p1, std::size_t B, std::size_t laneOff,
               const float* xt, float* out) {
  __m256 lo[NL], hi[NL];
  for (int i = 0; i < NL; ++i) lo[i] = hi[i] = _mm256_setzero_ps();
  alignas(32) float fb[64];
  for (std::size_t p = p0; p < p1; ++p) {
    const float* vp = packLanes(val, p * B, B, fb) + laneOff;
    const I* ip = idx + p * B + laneOff;
    for (int i = 0; i < NL; ++i) {
      const __m256 w = _mm256_broadcast_ss(vp + i);
      const float* xr = xt + static_cast<std::size_t>(ip[i]) * 16;
      lo[i] = _mm256_fmadd_ps(w, _mm256_load_ps(xr), lo[i]);
      hi[i] = _mm256_fmadd_ps(w, _mm256_load_ps(xr + 8), hi[i]);
    }
  }
  for (int i = 0; i < NL; ++i) {
    _mm256_store_ps(out + i * 16, lo[i]);
    _mm256_store_ps(out + i * 16 + 8, hi[i]);
  }
}

template <class V, class I>
void tile(const GsGatherArgs& a, std::size_t g, const float* xt, float* out) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks, E = a.perRow, R = B / E, p0 = a.ptr[g], p1 = a.ptr[g + 1];
  alignas(32) float lanes[64 * 16];
  float* dst = E == 1 ? out : lanes;
  for (std::size_t l = 0; l < B;) {  // B % 8 == 0: chunks of 6, then 4 or 2
    const std::size_t left = B - l;
    if (left >= 6 && left != 8) tileLanes<6>(val, idx, p0, p1, B, l, xt, dst + l * 16), l += 6;
    else if (left >= 4) tileLanes<4>(val, idx, p0, p1, B, l, xt, dst + l * 16), l += 4;
    else tileLanes<2>(val, idx, p0, p1, B, l, xt, dst + l * 16), l += 2;
  }
  if (E == 1) return;
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t h = 0; h < 16; h += 8) {
      __m256 s = _mm256_load_ps(lanes + r * E * 16 + h);
      for (std::size_t e = 1; e < E; ++e) s = _mm256_add_ps(s, _mm256_load_ps(lanes + (r * E + e) * 16 + h));
      _mm256_store_ps(out + r * 16 + h, s);
    }
}

// Gather kernel for NB batch rows: one 8-lane vector of the packs at a time, NB accumulators.
template <int NB, class V, class I>
void gatherRows(const GsGatherArgs& a, const float* x, std::size_t xStride, std::size_t g, std::size_t v,
                float* lanes /* [NB][64] */) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks;
  __m256 acc[NB];
  for (int b = 0; b < NB; ++b) acc[b] = _mm256_setzero_ps();
  for (std::size_t p = a.ptr[g]; p < a.ptr[g + 1]; ++p) {
    const std::size_t base = p * B + v * 8;
    const __m256i ix = loadIndices(idx + base);
    const __m256 w = loadValues(val + base);
    for (int b = 0; b < NB; ++b) acc[b] = _mm256_fmadd_ps(w, _mm256_i32gather_ps(x + b * xStride, ix, 4), acc[b]);
  }
  for (int b = 0; b < NB; ++b) _mm256_store_ps(lanes + b * 64 + v * 8, acc[b]);
}

template <class V, class I>
void gatherBatch(const GsGatherArgs& a, std::size_t xStride, std::size_t nb, std::size_t g0, std::size_t g1,
                 float* rowSums) {
  const std::size_t B = a.banks, E = a.perRow, R = B / E, nv = B / 8, plane = (g1 - g0) * R;
  alignas(32) float lanes[4 * 64];
  for (std::size_t b0 = 0; b0 < nb; b0 += 4) {
    const std::size_t bn = nb - b0 < 4 ? nb - b0 : 4;
    const float* x = a.x + b0 * xStride;
    for (std::size_t g = g0; g < g1; ++g) {
      for (std::size_t v = 0; v < nv; ++v) {
        if (bn == 4) gatherRows<4, V, I>(a, x, xStride, g, v, lanes);
        else if (bn == 3) gatherRows<3, V, I>(a, x, xStride, g, v, lanes);
        else if (bn == 2) gatherRows<2, V, I>(a, x, xStride, g, v, lanes);
        else gatherRows<1, V, I>(a, x, xStride, g, v, lanes);
      }
      for (std::size_t b = 0; b < bn; ++b) {
        float* out = rowSums + (b0 + b) * plane + (g - g0) * R;
        for (std::size_t r = 0; r < R; ++r) {
          float s = 0.0f;
          for (std::size_t e = 0; e < E; ++e) s += lanes[b * 64 + r * E + e];
          out[r] = s;
        }
      }
    }
  }
}

}  // namespace

void gsTileAvx2(const GsGatherArgs& a, std::size_t g, const float* xt, float* out) {
  if (a.f16) {
    if (a.indexWidth == 2) tile<uint16_t, uint16_t>(a, g, xt, out);
    else tile<uint16_t, uint32_t>(a, g, xt, out);
  } else {
    if (a.indexWidth == 2) tile<float, uint16_t>(a, g, xt, out);
    else tile<float, uint32_t>(a, g, xt, out);
  }
}

void gsGatherBatchAvx2(const GsGatherArgs& a, std::size_t xStride, std::size_t nb, std::size_t g0, std::size_t g1,
                       float* rowSums) {
  if (a.f16) {
    if (a.indexWidth == 2) gatherBatch<uint16_t, uint16_t>(a, xStride, nb, g0, g1, rowSums);
    else gatherBatch<uint16_t, uint32_t>(a, xStride, nb, g0, g1, rowSums);
  } else {
    if (a.indexWidth == 2) gatherBatch<float, uint16_t>(a, xStride, nb, g0, g1, rowSums);
    else gatherBatch<float, uint32_t>(a, xStride, nb, g0, g1, rowSums);
  }
}

void gsGatherAvx2(const GsGatherArgs& a, std::size_t g0, std::size_t g1, float* rowSums) {
  if (a.f16) {
    if (a.indexWidth == 2) gather<uint16_t, uint16_t>(a, g0, g1, rowSums);
    else gather<uint16_t, uint32_t>(a, g0, g1, rowSums);
  } else {
    if (a.indexWidth == 2) gather<float, uint16_t>(a, g0, g1, rowSums);
    else gather<float, uint32_t>(a, g0, g1, rowSums);
  }
}

}  // namespace cpu
}  // namespace gsparse
