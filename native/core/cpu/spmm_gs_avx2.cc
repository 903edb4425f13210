// GS batch-1 kernel with AVX2 gathers, 8 lanes at a time (same scheme as spmm_gs_avx512.cc).
// Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"

namespace gsparse {
namespace cpu {

namespace {

inline __m256 loadValues(const float* v) { return _mm256_loadu_ps(v); }
inline __m256 loadValues(const uint16_t* v) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v)));
}
inline __m256i loadIndices(const uint32_t* ix) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix)); }
inline __m256i loadIndices(const uint16_t* ix) {
  return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ix)));
}

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

}  // namespace

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
