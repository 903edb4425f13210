// AVX-512 N:M and block (R x 1 with R = 4) kernels: batch 1 (bandwidth-bound: values streamed once)
// and batched block (broadcast-FMA over transposed batch tiles, body in block_tiles_simd.h).
// Only intrinsics and plain code here (see nm_block_simd.h for why).
#include <immintrin.h>

#include "nm_block_simd.h"
#include "../simd_typed.h"
#include "../simd_vt_avx512.h"
#include "../block/block_tiles_simd.h"
#include "../stream_prefetch.h"

namespace gsparse {
namespace cpu {

namespace {

template <class T>
void nmVecT(const SparseSimdArgs& a, const T* val, const uint8_t* idxAll, const float* x, std::size_t r0,
            std::size_t r1) {
  const std::size_t n = a.w.n, m = a.w.m, perRow = a.w.groups * n;
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
    a.y[r] = s;
  }
}

template <class T, class I>
void blockVecT(const SparseSimdArgs& a, const T* val, const I* idx, const float* x, std::size_t br0, std::size_t br1) {
  const __m512i rep = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  alignas(64) float lanes[16];
  for (std::size_t br = br0; br < br1; ++br) {
    const std::size_t k0 = a.w.ptr[br], k1 = a.w.ptr[br + 1];
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    std::size_t k = k0;
    for (; k + 8 <= k1; k += 8) {
      prefetchAhead(val + k * 4);
      prefetchAhead(val + k * 4 + 16);
      prefetchAhead(idx + k);
      const __m512i c0 = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<int>(idx[k + 3]),
                                          static_cast<int>(idx[k + 2]), static_cast<int>(idx[k + 1]),
                                          static_cast<int>(idx[k]));
      const __m512i c1 = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<int>(idx[k + 7]),
                                          static_cast<int>(idx[k + 6]), static_cast<int>(idx[k + 5]),
                                          static_cast<int>(idx[k + 4]));
      const __m512 x0 = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, _mm512_permutexvar_epi32(rep, c0), x, 4);
      const __m512 x1 = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, _mm512_permutexvar_epi32(rep, c1), x, 4);
      acc0 = _mm512_fmadd_ps(VT::loadValues(val + k * 4), x0, acc0);
      acc1 = _mm512_fmadd_ps(VT::loadValues(val + k * 4 + 16), x1, acc1);
    }
    _mm512_store_ps(lanes, _mm512_add_ps(acc0, acc1));
    float s[4];
    for (int i = 0; i < 4; ++i) s[i] = lanes[i] + lanes[4 + i] + lanes[8 + i] + lanes[12 + i];
    for (; k < k1; ++k) {
      const float xv = x[idx[k]];
      for (int i = 0; i < 4; ++i) s[i] += weightAt(val + k * 4 + i) * xv;
    }
    for (std::size_t i = 0; i < 4; ++i)
      if (br * 4 + i < a.w.rows) a.y[br * 4 + i] = s[i];
  }
}

}  // namespace

void nmVecAvx512(const SparseSimdArgs& a, const float* x, std::size_t r0, std::size_t r1) {
  withTypes<1>(a.w, [&](auto val, auto idx) { nmVecT(a, val, idx, x, r0, r1); });
}

void blockVecAvx512(const SparseSimdArgs& a, const float* x, std::size_t br0, std::size_t br1) {
  withTypes<kWidths24>(a.w, [&](auto val, auto idx) { blockVecT(a, val, idx, x, br0, br1); });
}

// 4 X^T tiles per register block: 4 x 4 zmm accumulators and 4 X vectors, 20 of the 32 registers.
void blockTilesAvx512(const SparseSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                      std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1) {
  // fp16 weights are widened inside (per chunk of blocks): one instance per index type.
  withTypes<kWidths24>(a.w, [&](auto, auto idx) {
    blockTilesT<VT, 4>(a, idx, xt, tileStride, tiles, batch, b0, br0, br1);
  });
}

}  // namespace cpu
}  // namespace gsparse
