// AVX2+FMA row-blocked kernel: 4 rows x one tile (8 ymm accumulators) per slot, tiles one after
// another; bodies in row_blocked_simd.h.
#include "../simd_vt_avx2.h"
#include "row_blocked_simd.h"

namespace gsparse {
namespace cpu {

constexpr RowBlockedIsa kRowBlockedAvx2 = rowBlockedIsa<VT, 1>();

}  // namespace cpu
}  // namespace gsparse
