// AVX2+FMA row-blocked kernel: 4 rows x one tile (8 ymm accumulators) per slot, tiles one after
// another; body in row_blocked_simd.inc. Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "row_blocked_kernel.h"

namespace gsparse {
namespace cpu {

namespace {

struct VT {
  using V = __m256;
  static constexpr int W = 8;
  static V load(const float* p) { return _mm256_load_ps(p); }
  static void store(float* p, V v) { _mm256_store_ps(p, v); }
  static V bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
};

}  // namespace

#include "row_blocked_simd.inc"

void rowBlockedChunkAvx2(const RowBlockedArgs& a, std::size_t c, std::size_t nt, const float* const* xt,
                         float* acc) {
  for (std::size_t h = 0; h < nt; ++h) chunkT<2>(a, c, xt + h, acc + h * 16);
}

}  // namespace cpu
}  // namespace gsparse
