// AVX2+FMA 4 x 1 block kernels: batch 1 (values streamed once) and batched (broadcast-FMA over
// transposed batch tiles, body in block_tiles_simd.h). Only intrinsics and plain code here (see
// block_isa.h for why).
#include <immintrin.h>

#include "block_isa.h"
#include "../simd_typed.h"
#include "../simd_vt_avx2.h"
#include "block_tiles_simd.h"
#include "../stream_prefetch.h"

namespace gsparse {
namespace cpu {

namespace {

template <class T, class I>
void blockVecT(const BlockSimdArgs& a, const T* val, const I* idx, const float* x, std::size_t br0, std::size_t br1) {
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

void blockVecAvx2(const BlockSimdArgs& a, const float* x, std::size_t br0, std::size_t br1) {
  withTypes<kWidths24>(a.w, [&](auto val, auto idx) { blockVecT(a, val, idx, x, br0, br1); });
}

// 1 X^T tile per register block: 4 x 2 ymm accumulators and 2 X vectors (two tiles would need 20 of the 16
// registers).
void blockTilesAvx2(const BlockSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                    std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1) {
  // fp16 weights are widened inside (per chunk of blocks): one instance per index type.
  withTypes<kWidths24>(a.w, [&](auto, auto idx) {
    blockTilesT<VT, 1>(a, idx, xt, tileStride, tiles, batch, b0, br0, br1);
  });
}

}  // namespace cpu
}  // namespace gsparse
