// CSR batch-1 kernel with AVX2 (same scheme as spmm_csr_avx512.cc, 8 lanes): gathers 8 nonzeros
// at a time, scalar tail.
// Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_typed.h"
#include "simd_vt_avx2.h"
#include "stream_prefetch.h"

namespace gsparse {
namespace cpu {

namespace {

template <class V, class I>
void vec(const CsrSimdArgs& a, const V* val, const I* idx, const float* x, std::size_t r0, std::size_t r1,
         float* out) {
  for (std::size_t r = r0; r < r1; ++r) {
    std::size_t k = a.ptr[r];
    const std::size_t end = a.ptr[r + 1];
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (; k + 16 <= end; k += 16) {
      prefetchAhead(val + k);
      prefetchAhead(idx + k);
      acc0 = _mm256_fmadd_ps(loadValues(val + k), _mm256_i32gather_ps(x, loadIndices(idx + k), 4), acc0);
      acc1 = _mm256_fmadd_ps(loadValues(val + k + 8), _mm256_i32gather_ps(x, loadIndices(idx + k + 8), 4), acc1);
    }
    for (; k + 8 <= end; k += 8)
      acc0 = _mm256_fmadd_ps(loadValues(val + k), _mm256_i32gather_ps(x, loadIndices(idx + k), 4), acc0);
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
    float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (; k < end; ++k) s += weightAt(val + k) * x[idx[k]];
    out[r - r0] = s;
  }
}

}  // namespace

void csrVecAvx2(const CsrSimdArgs& a, const float* x, std::size_t r0, std::size_t r1, float* out) {
  withValuesIndices(a.values, a.f16, a.indices, a.indexWidth,
                    [&](auto val, auto idx) { vec(a, val, idx, x, r0, r1, out); });
}

}  // namespace cpu
}  // namespace gsparse
