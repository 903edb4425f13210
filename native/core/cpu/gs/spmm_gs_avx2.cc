// GS gather kernels with AVX2, 8 lanes at a time: vgatherdps from x (bodies in
// gs_gather_simd.h, vectors from simd_vt_avx2.h). Only intrinsics and plain code here (see
// gs_isa.h for why).
#include <immintrin.h>

#include "gs_isa.h"
#include "../simd_vt_avx2.h"
#include "gs_gather_simd.h"

namespace gsparse {
namespace cpu {

void gsGatherAvx2(const PackedView& w, const float* x, std::size_t g0, std::size_t g1, float* rowSums) {
  withTypes<kWidths24>(w, [&](auto val, auto idx) { gsGatherT<VT>(w, val, idx, x, g0, g1, rowSums); });
}

void gsGatherBatchAvx2(const PackedView& w, const float* x, std::size_t xStride, std::size_t nb, std::size_t g0,
                       std::size_t g1, float* rowSums) {
  withTypes<kWidths24>(w, [&](auto val, auto idx) {
    gsGatherBatchT<VT>(w, val, idx, x, xStride, nb, g0, g1, rowSums);
  });
}

}  // namespace cpu
}  // namespace gsparse
