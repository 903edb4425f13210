// GS gather kernels with AVX2, 8 lanes at a time (same scheme as spmm_gs_avx512.cc): batch 1 and
// the small-batch gather.
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
