// CSR batch-1 kernel with AVX2; body in csr_vec_simd.h.
// Only intrinsics and plain code here (see gs_isa.h for why).
#include <immintrin.h>

#include "csr_isa.h"
#include "../simd_typed.h"
#include "../simd_vt_avx2.h"
#include "csr_vec_simd.h"

namespace gsparse {
namespace cpu {

void csrVecAvx2(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* out) {
  withTypes<kWidths24>(w, [&](auto val, auto idx) { csrVecT<VT>(w, val, idx, x, r0, r1, out); });
}

}  // namespace cpu
}  // namespace gsparse
