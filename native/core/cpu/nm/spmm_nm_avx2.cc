// AVX2+FMA N:M kernel, batch 1 (gathers; values streamed once). Only intrinsics and plain code here
// (see gs/gs_isa.h for why).
#include <immintrin.h>

#include "nm_isa.h"
#include "../simd_typed.h"
#include "../simd_vt_avx2.h"
#include "../stream_prefetch.h"

namespace gsparse {
namespace cpu {

namespace {

template <class T>
void nmVecT(const PackedView& a, const T* val, const uint8_t* idxAll, const float* x, std::size_t r0,
            std::size_t r1, float* y) {
  const std::size_t n = a.n, m = a.m, perRow = a.groups * n;
  alignas(32) int pat[8];
  for (int l = 0; l < 8; ++l) pat[l] = static_cast<int>((l / n) * m);
  const __m256i patv = _mm256_load_si256(reinterpret_cast<const __m256i*>(pat));
  for (std::size_t r = r0; r < r1; ++r) {
    const T* w = val + r * perRow;
    const uint8_t* idx = idxAll + r * perRow;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    std::size_t k = 0;
    for (; k + 16 <= perRow; k += 16) {
      prefetchAhead(w + k);
      prefetchAhead(idx + k);
      const __m256i b0 = _mm256_add_epi32(patv, _mm256_set1_epi32(static_cast<int>((k / n) * m)));
      const __m256i b1 = _mm256_add_epi32(patv, _mm256_set1_epi32(static_cast<int>(((k + 8) / n) * m)));
      const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + k));
      const __m256i i0 = _mm256_add_epi32(b0, _mm256_cvtepu8_epi32(raw));
      const __m256i i1 = _mm256_add_epi32(b1, _mm256_cvtepu8_epi32(_mm_srli_si128(raw, 8)));
      acc0 = _mm256_fmadd_ps(VT::loadValues(w + k), _mm256_i32gather_ps(x, i0, 4), acc0);
      acc1 = _mm256_fmadd_ps(VT::loadValues(w + k + 8), _mm256_i32gather_ps(x, i1, 4), acc1);
    }
    float s = VT::sum(_mm256_add_ps(acc0, acc1));
    for (; k < perRow; ++k) s += weightAt(w + k) * x[(k / n) * m + idx[k]];
    y[r] = s;
  }
}

}  // namespace

void nmVecAvx2(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* y) {
  withTypes<1>(w, [&](auto val, auto idx) { nmVecT(w, val, idx, x, r0, r1, y); });
}

}  // namespace cpu
}  // namespace gsparse
