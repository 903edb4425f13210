// AVX-512 4 x 1 block kernels: batch 1 (bandwidth-bound: values streamed once) and batched
// (broadcast-FMA over transposed batch tiles, body in block_tiles_simd.h). Only intrinsics and plain
// code here (see block_isa.h for why).
#include <immintrin.h>

#include "block_isa.h"
#include "../simd_typed.h"
#include "../simd_vt_avx512.h"
#include "block_tiles_simd.h"
#include "../stream_prefetch.h"

namespace gsparse {
namespace cpu {

namespace {

template <class T, class I>
void blockVecT(const BlockSimdArgs& a, const T* val, const I* idx, const float* x, std::size_t br0, std::size_t br1) {
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

void blockVecAvx512(const BlockSimdArgs& a, const float* x, std::size_t br0, std::size_t br1) {
  withTypes<kWidths24>(a.w, [&](auto val, auto idx) { blockVecT(a, val, idx, x, br0, br1); });
}

// 4 X^T tiles per register block: 4 x 4 zmm accumulators and 4 X vectors, 20 of the 32 registers.
void blockTilesAvx512(const BlockSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                      std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1) {
  // fp16 weights are widened inside (per chunk of blocks): one instance per index type.
  withTypes<kWidths24>(a.w, [&](auto, auto idx) {
    blockTilesT<VT, 4>(a, idx, xt, tileStride, tiles, batch, b0, br0, br1);
  });
}

}  // namespace cpu
}  // namespace gsparse
