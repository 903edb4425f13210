// AVX2+FMA N:M kernel, batch 1 (gathers; values streamed once): the row step of nm_vec_simd.h.
#include <immintrin.h>

#include "../simd_vt_avx2.h"
#include "../stream_prefetch.h"
#include "nm_vec_simd.h"

namespace gsparse {
namespace cpu {

namespace {

// 16 entries per step, as two 8-lane gathers (8 % n == 0: a vector holds whole groups).
struct NmStep {
  std::size_t n, m;
  __m256i pat;  // lane l's group offset in a vector: (l / n) * m

  NmStep(std::size_t n, std::size_t m) : n(n), m(m) {
    alignas(32) int p[8];
    for (int l = 0; l < 8; ++l) p[l] = static_cast<int>((l / n) * m);
    pat = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  }

  template <class T>
  std::size_t run(const T* w, const uint8_t* idx, const float* x, std::size_t perRow, __m256& acc0,
                  __m256& acc1) const {
    std::size_t k = 0;
    for (; k + 16 <= perRow; k += 16) {
      prefetchAhead(w + k);
      prefetchAhead(idx + k);
      const __m256i b0 = _mm256_add_epi32(pat, _mm256_set1_epi32(static_cast<int>((k / n) * m)));
      const __m256i b1 = _mm256_add_epi32(pat, _mm256_set1_epi32(static_cast<int>(((k + 8) / n) * m)));
      const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + k));
      const __m256i i0 = _mm256_add_epi32(b0, _mm256_cvtepu8_epi32(raw));
      const __m256i i1 = _mm256_add_epi32(b1, _mm256_cvtepu8_epi32(_mm_srli_si128(raw, 8)));
      acc0 = _mm256_fmadd_ps(VT::loadValues(w + k), _mm256_i32gather_ps(x, i0, 4), acc0);
      acc1 = _mm256_fmadd_ps(VT::loadValues(w + k + 8), _mm256_i32gather_ps(x, i1, 4), acc1);
    }
    return k;
  }
};

}  // namespace

constexpr RowDotsIsa kNmAvx2 = nmIsa<VT, NmStep>();

}  // namespace cpu
}  // namespace gsparse
