// Dense SGEMM / GEMV with AVX-512 (bodies in sgemm_simd.h): the micro-kernel runs 12 W rows x 2 X^T
// tiles (32 batch columns), 24 zmm accumulators; fp16 W widens with vcvtph2ps; row tails use masked
// loads.
#include "../simd_vt_avx512.h"
#include "sgemm_simd.h"

namespace gsparse {
namespace cpu {

constexpr DenseIsa kDenseAvx512 = denseIsa<VT, 12, 2>();

}  // namespace cpu
}  // namespace gsparse
