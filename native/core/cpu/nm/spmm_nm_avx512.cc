// AVX-512 N:M kernel, batch 1 (bandwidth-bound: values streamed once). Only intrinsics and plain code
// here (see gs/gs_isa.h for why).
#include <immintrin.h>

#include "nm_isa.h"
#include "../simd_typed.h"
#include "../simd_vt_avx512.h"
#include "../stream_prefetch.h"

namespace gsparse {
namespace cpu {

namespace {

template <class T>
void nmVecT(const PackedView& a, const T* val, const uint8_t* idxAll, const float* x, std::size_t r0,
            std::size_t r1, float* y) {
  const std::size_t n = a.n, m = a.m, perRow = a.groups * n;
  const bool is24 = n == 2 && m == 4;
  alignas(64) int pat[16];
  for (int l = 0; l < 16; ++l) pat[l] = static_cast<int>((l / n) * m);
  const __m512i patv = _mm512_load_si512(pat);
  for (std::size_t r = r0; r < r1; ++r) {
    const T* w = val + r * perRow;
    const uint8_t* idx = idxAll + r * perRow;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    std::size_t k = 0;
    if (is24) {
      for (; k + 32 <= perRow; k += 32) {
        prefetchAhead(w + k);
        prefetchAhead(w + k + 16);
        prefetchAhead(idx + k);
        const float* xg = x + 2 * k;
        const __m512i i0 = _mm512_add_epi32(
            patv, _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + k))));
        const __m512i i1 = _mm512_add_epi32(
            patv, _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + k + 16))));
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
            _mm512_add_epi32(patv, base),
            _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + k))));
        const __m512 xs = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, iv, x, 4);
        acc0 = _mm512_fmadd_ps(VT::loadValues(w + k), xs, acc0);
      }
    }
    float s = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    for (; k < perRow; ++k) s += weightAt(w + k) * x[(k / n) * m + idx[k]];
    y[r] = s;
  }
}

}  // namespace

void nmVecAvx512(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* y) {
  withTypes<1>(w, [&](auto val, auto idx) { nmVecT(w, val, idx, x, r0, r1, y); });
}

}  // namespace cpu
}  // namespace gsparse
