// Dense SGEMM / GEMV with AVX2 + FMA (bodies in sgemm_simd.h): the micro-kernel runs 6 W rows x 1 X^T
// tile (two ymm per row), 12 ymm accumulators; fp16 W widens with vcvtph2ps; row tails are scalar.
#include "../simd_vt_avx2.h"
#include "sgemm_simd.h"

namespace gsparse {
namespace cpu {

constexpr DenseIsa kDenseAvx2 = denseIsa<VT, 6, 1>();

}  // namespace cpu
}  // namespace gsparse
