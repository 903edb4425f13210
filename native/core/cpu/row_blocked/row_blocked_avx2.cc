// AVX2+FMA row-blocked kernel: 4 rows x one tile (8 ymm accumulators) per slot, tiles one after
// another; body in row_blocked_simd.h. Only intrinsics and plain code here (see gs_isa.h for why).
#include <immintrin.h>

#include "row_blocked_isa.h"
#include "../simd_vt_avx2.h"
#include "row_blocked_simd.h"

namespace gsparse {
namespace cpu {

namespace {
template <int S>
void tilesT(const RowBlockedArgs& a, std::size_t c, const float* xg, float* acc) {
  for (int h = 0; h < S; ++h) chunkT<VT, 2, S>(a, c, xg + h * 16, acc + h * 16);
}
}  // namespace

void rowBlockedChunkAvx2(const RowBlockedArgs& a, std::size_t c, std::size_t nt, const float* xg, float* acc) {
  if (nt == 4) tilesT<4>(a, c, xg, acc);
  else if (nt == 2) tilesT<2>(a, c, xg, acc);
  else tilesT<1>(a, c, xg, acc);
}

void rowBlockedStageAvx2(const float* x, std::size_t cols, std::size_t width, std::size_t nc, float* dst,
                          std::size_t stride) {
  stageT<VT>(x, cols, width, nc, dst, stride);
}

}  // namespace cpu
}  // namespace gsparse
