// AVX-512 N:M kernel, batch 1 (bandwidth-bound: values streamed once): the row step of nm_vec_simd.h.
#include <immintrin.h>

#include "../simd_vt_avx512.h"
#include "../stream_prefetch.h"
#include "nm_vec_simd.h"

namespace gsparse {
namespace cpu {

namespace {

// 2:4 takes 32 entries per step, x read as whole vectors and permuted (no gathers); other N:M 16
// entries, one 16-lane gather (16 % n == 0: a vector holds whole groups).
struct NmStep {
  std::size_t n, m;
  bool is24;
  __m512i pat;  // lane l's group offset in a vector: (l / n) * m

  NmStep(std::size_t n, std::size_t m) : n(n), m(m), is24(n == 2 && m == 4) {
    alignas(64) int p[16];
    for (int l = 0; l < 16; ++l) p[l] = static_cast<int>((l / n) * m);
    pat = _mm512_load_si512(p);
  }

  template <class T>
  std::size_t run(const T* w, const uint8_t* idx, const float* x, std::size_t perRow, __m512& acc0,
                  __m512& acc1) const {
    std::size_t k = 0;
    if (is24) {
      for (; k + 32 <= perRow; k += 32) {
        prefetchAhead(w + k);
        prefetchAhead(w + k + 16);
        prefetchAhead(idx + k);
        const float* xg = x + 2 * k;
        const __m512i i0 = _mm512_add_epi32(
            pat, _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + k))));
        const __m512i i1 = _mm512_add_epi32(
            pat, _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + k + 16))));
        const __m512 xs0 = _mm512_permutex2var_ps(_mm512_loadu_ps(xg), i0, _mm512_loadu_ps(xg + 16));
        const __m512 xs1 = _mm512_permutex2var_ps(_mm512_loadu_ps(xg + 32), i1, _mm512_loadu_ps(xg + 48));
        acc0 = _mm512_fmadd_ps(VT::loadValues(w + k), xs0, acc0);
        acc1 = _mm512_fmadd_ps(VT::loadValues(w + k + 16), xs1, acc1);
      }
    } else {
      for (; k + 16 <= perRow; k += 16) {
        prefetchAhead(w + k);
        prefetchAhead(idx + k);
        const __m512i base = _mm512_set1_epi32(static_cast<int>((k / n) * m));
        const __m512i iv = _mm512_add_epi32(
            _mm512_add_epi32(pat, base),
            _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + k))));
        const __m512 xs = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, iv, x, 4);
        acc0 = _mm512_fmadd_ps(VT::loadValues(w + k), xs, acc0);
      }
    }
    return k;
  }
};

}  // namespace

constexpr RowDotsIsa kNmAvx512 = nmIsa<VT, NmStep>();

}  // namespace cpu
}  // namespace gsparse
