// AVX2+FMA 4 x 1 block kernels (bodies in block_simd.h). Batched: 1 X^T tile per register block, 4 x 2
// ymm accumulators and 2 X vectors (two tiles would need 20 of the 16 registers).
#include "../simd_vt_avx2.h"
#include "block_simd.h"

namespace gsparse {
namespace cpu {

constexpr BlockIsa kBlockAvx2 = blockIsa<VT, 1>();

}  // namespace cpu
}  // namespace gsparse
