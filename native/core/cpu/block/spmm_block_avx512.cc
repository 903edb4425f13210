// AVX-512 4 x 1 block kernels (bodies in block_simd.h). Batched: 4 X^T tiles per register block, 4 x 4
// zmm accumulators and 4 X vectors, 20 of the 32 registers.
#include "../simd_vt_avx512.h"
#include "block_simd.h"

namespace gsparse {
namespace cpu {

constexpr BlockIsa kBlockAvx512 = blockIsa<VT, 4>();

}  // namespace cpu
}  // namespace gsparse
