// CSR batch-1 kernel with AVX-512; body in csr_vec_simd.inc.
// Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_typed.h"
#include "simd_vt_avx512.h"
#include "stream_prefetch.h"

namespace gsparse {
namespace cpu {

#include "csr_vec_simd.inc"

void csrVecAvx512(const CsrSimdArgs& a, const float* x, std::size_t r0, std::size_t r1, float* out) {
  withValuesIndices(a.values, a.f16, a.indices, a.indexWidth,
                    [&](auto val, auto idx) { csrVecT(a, val, idx, x, r0, r1, out); });
}

}  // namespace cpu
}  // namespace gsparse
