// AVX2+FMA row-blocked kernel: 4 rows x one tile (8 ymm accumulators) per slot, tiles one after
// another; body in row_blocked_simd.inc. Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "row_blocked_kernel.h"
#include "stream_prefetch.h"
#include "simd_vt_avx2.h"

namespace gsparse {
namespace cpu {

#include "row_blocked_simd.inc"

void rowBlockedChunkAvx2(const RowBlockedArgs& a, std::size_t c, std::size_t nt, const float* const* xt,
                         float* acc) {
  for (std::size_t h = 0; h < nt; ++h) chunkT<2>(a, c, xt + h, acc + h * 16);
}

}  // namespace cpu
}  // namespace gsparse
