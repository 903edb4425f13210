// GS gather kernels with AVX-512: batch 2 (gatherRows: packs loaded once for both x rows) and batch 1: per pack, 16 lanes at a time load values (fp16 via
// vcvtph2ps) and column indices, gather x[col] with vpgatherdps (bank-conflict free by the GS
// construction) and FMA into per-lane accumulators; E-lane segments are reduced once per group.
// Only intrinsics and plain code here (see gs_gather.h for why). The zero-masked intrinsic forms
// avoid GCC 12's false -Wmaybe-uninitialized on the unmasked ones (same instructions).
#include <immintrin.h>

#include "gs_gather.h"

namespace gsparse {
namespace cpu {

namespace {

inline __m512 loadValues(const float* v) { return _mm512_loadu_ps(v); }
inline __m512 loadValues(const uint16_t* v) {
  return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v)));
}
inline __m512i loadIndices(const uint32_t* ix) { return _mm512_loadu_si512(ix); }
inline __m512i loadIndices(const uint16_t* ix) {
  return _mm512_maskz_cvtepu16_epi32(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix)));
}

template <class V, class I>
void gather(const GsGatherArgs& a, std::size_t g0, std::size_t g1, float* rowSums) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks, E = a.perRow, R = B / E, nv = B / 16;
  alignas(64) float lanes[64];
  for (std::size_t g = g0; g < g1; ++g) {
    // Two accumulator sets (even / odd packs) keep two FMA chains in flight per vector.
    __m512 acc[2][4];
    for (std::size_t v = 0; v < 4; ++v) acc[0][v] = acc[1][v] = _mm512_setzero_ps();
    for (std::size_t p = a.ptr[g]; p < a.ptr[g + 1]; ++p) {
      __m512* ac = acc[p & 1];
      for (std::size_t v = 0; v < nv; ++v) {
        const std::size_t base = p * B + v * 16;
        const __m512 xg = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, loadIndices(idx + base), a.x, 4);
        ac[v] = _mm512_fmadd_ps(loadValues(val + base), xg, ac[v]);
      }
    }
    for (std::size_t v = 0; v < nv; ++v) _mm512_store_ps(lanes + v * 16, _mm512_add_ps(acc[0][v], acc[1][v]));
    float* out = rowSums + (g - g0) * R;
    for (std::size_t r = 0; r < R; ++r) {
      float s = 0.0f;
      for (std::size_t e = 0; e < E; ++e) s += lanes[r * E + e];
      out[r] = s;
    }
  }
}

// Gather kernel for NB batch rows: one 16-lane vector of the packs at a time, NB accumulators.
template <int NB, class V, class I>
void gatherRows(const GsGatherArgs& a, const float* x, std::size_t xStride, std::size_t g, std::size_t v,
                float* lanes /* [NB][64] */) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  const std::size_t B = a.banks;
  __m512 acc[NB];
  for (int b = 0; b < NB; ++b) acc[b] = _mm512_setzero_ps();
  for (std::size_t p = a.ptr[g]; p < a.ptr[g + 1]; ++p) {
    const std::size_t base = p * B + v * 16;
    const __m512i ix = loadIndices(idx + base);
    const __m512 w = loadValues(val + base);
    for (int b = 0; b < NB; ++b)
      acc[b] = _mm512_fmadd_ps(w, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, ix, x + b * xStride, 4),
                               acc[b]);
  }
  for (int b = 0; b < NB; ++b) _mm512_store_ps(lanes + b * 64 + v * 16, acc[b]);
}

template <class V, class I>
void gatherBatch(const GsGatherArgs& a, std::size_t xStride, std::size_t nb, std::size_t g0, std::size_t g1,
                 float* rowSums) {
  const std::size_t B = a.banks, E = a.perRow, R = B / E, nv = B / 16, plane = (g1 - g0) * R;
  alignas(64) float lanes[4 * 64];
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

void gsGatherBatchAvx512(const GsGatherArgs& a, std::size_t xStride, std::size_t nb, std::size_t g0, std::size_t g1,
                         float* rowSums) {
  if (a.f16) {
    if (a.indexWidth == 2) gatherBatch<uint16_t, uint16_t>(a, xStride, nb, g0, g1, rowSums);
    else gatherBatch<uint16_t, uint32_t>(a, xStride, nb, g0, g1, rowSums);
  } else {
    if (a.indexWidth == 2) gatherBatch<float, uint16_t>(a, xStride, nb, g0, g1, rowSums);
    else gatherBatch<float, uint32_t>(a, xStride, nb, g0, g1, rowSums);
  }
}

void gsGatherAvx512(const GsGatherArgs& a, std::size_t g0, std::size_t g1, float* rowSums) {
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
