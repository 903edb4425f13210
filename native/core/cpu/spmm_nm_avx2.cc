// AVX2+FMA N:M and block (4 x 1) kernels: batch 1 (gathers; values streamed once) and batched
// (broadcast-FMA over transposed batch tiles, bodies in nm_block_simd.inc).
// Only intrinsics and plain code here (see nm_block_simd.h for why).
#include <immintrin.h>
#include <math.h>

#include "nm_block_simd.h"
#include "simd_typed.h"
#include "simd_vt_avx2.h"
#include "epilogue_simd.h"
#include "stream_prefetch.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kBlockTilesPerGroup = 1;

}  // namespace

#include "nm_block_simd.inc"

namespace {

template <class T>
void nmVecT(const SparseSimdArgs& a, const T* val, const uint8_t* idxAll, const float* x, std::size_t r0,
            std::size_t r1) {
  const std::size_t n = a.w.n, m = a.w.m, perRow = a.w.groups * n;
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
    a.y[r] = applyAct(s, a, r);
  }
}

template <class T, class I>
void blockVecT(const SparseSimdArgs& a, const T* val, const I* idx, const float* x, std::size_t br0, std::size_t br1) {
  for (std::size_t br = br0; br < br1; ++br) {
    const std::size_t k0 = a.w.ptr[br], k1 = a.w.ptr[br + 1];
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    std::size_t k = k0;
    for (; k + 4 <= k1; k += 4) {
      prefetchAhead(val + k * 4);
      prefetchAhead(idx + k);
      const __m256 x0 = _mm256_set_m128(_mm_set1_ps(x[idx[k + 1]]), _mm_set1_ps(x[idx[k]]));
      const __m256 x1 = _mm256_set_m128(_mm_set1_ps(x[idx[k + 3]]), _mm_set1_ps(x[idx[k + 2]]));
      acc0 = _mm256_fmadd_ps(VT::loadValues(val + k * 4), x0, acc0);
      acc1 = _mm256_fmadd_ps(VT::loadValues(val + k * 4 + 8), x1, acc1);
    }
    const __m256 s8 = _mm256_add_ps(acc0, acc1);
    const __m128 s4v = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    alignas(16) float s[4];
    _mm_store_ps(s, s4v);
    for (; k < k1; ++k) {
      const float xv = x[idx[k]];
      for (int i = 0; i < 4; ++i) s[i] += weightAt(val + k * 4 + i) * xv;
    }
    for (std::size_t i = 0; i < 4; ++i)
      if (br * 4 + i < a.w.rows) a.y[br * 4 + i] = applyAct(s[i], a, br * 4 + i);
  }
}

}  // namespace

#define NM_BLOCK_ENTRY(name) name##Avx2
#include "nm_block_simd_entry.inc"
#undef NM_BLOCK_ENTRY

}  // namespace cpu
}  // namespace gsparse
