// AVX-512 row-blocked kernel: 4 rows x up to 4 tiles (16 zmm accumulators) per slot; body in
// row_blocked_simd.h. Only intrinsics and plain code here (see gs_isa.h for why).
#include <immintrin.h>

#include "row_blocked_isa.h"
#include "../simd_vt_avx512.h"
#include "row_blocked_simd.h"

namespace gsparse {
namespace cpu {

void rowBlockedChunkAvx512(const RowBlockedArgs& a, std::size_t c, std::size_t nt, const float* xg, float* acc) {
  if (nt == 4) chunkT<VT, 4, 4>(a, c, xg, acc);
  else if (nt == 2) chunkT<VT, 2, 2>(a, c, xg, acc);
  else chunkT<VT, 1, 1>(a, c, xg, acc);
}

void rowBlockedStageAvx512(const float* x, std::size_t cols, std::size_t width, std::size_t nc, float* dst,
                          std::size_t stride) {
  stageT<VT>(x, cols, width, nc, dst, stride);
}

}  // namespace cpu
}  // namespace gsparse
