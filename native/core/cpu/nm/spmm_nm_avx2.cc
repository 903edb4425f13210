// AVX2+FMA N:M and block (4 x 1) kernels: batch 1 (gathers; values streamed once) and batched block
// (broadcast-FMA over transposed batch tiles, body in block_tiles_simd.h).
// Only intrinsics and plain code here (see nm_block_simd.h for why).
#include <immintrin.h>

#include "nm_block_simd.h"
#include "../simd_typed.h"
#include "../simd_vt_avx2.h"
#include "../block/block_tiles_simd.h"
#include "../stream_prefetch.h"

namespace gsparse {
namespace cpu {

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
    a.y[r] = s;
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
      if (br * 4 + i < a.w.rows) a.y[br * 4 + i] = s[i];
  }
}

}  // namespace

void nmVecAvx2(const SparseSimdArgs& a, const float* x, std::size_t r0, std::size_t r1) {
  withTypes<1>(a.w, [&](auto val, auto idx) { nmVecT(a, val, idx, x, r0, r1); });
}

void blockVecAvx2(const SparseSimdArgs& a, const float* x, std::size_t br0, std::size_t br1) {
  withTypes<kWidths24>(a.w, [&](auto val, auto idx) { blockVecT(a, val, idx, x, br0, br1); });
}

// 1 X^T tile per register block: 4 x 2 ymm accumulators and 2 X vectors (two tiles would need 20 of the 16
// registers).
void blockTilesAvx2(const SparseSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                    std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1) {
  // fp16 weights are widened inside (per chunk of blocks): one instance per index type.
  withTypes<kWidths24>(a.w, [&](auto, auto idx) {
    blockTilesT<VT, 1>(a, idx, xt, tileStride, tiles, batch, b0, br0, br1);
  });
}

}  // namespace cpu
}  // namespace gsparse
