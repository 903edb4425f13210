// AVX-512 row-blocked kernel: 4 rows x up to 4 tiles (16 zmm accumulators) per slot; bodies in
// row_blocked_simd.h.
#include "../simd_vt_avx512.h"
#include "row_blocked_simd.h"

namespace gsparse {
namespace cpu {

constexpr RowBlockedIsa kRowBlockedAvx512 = rowBlockedIsa<VT, 4>();

}  // namespace cpu
}  // namespace gsparse
