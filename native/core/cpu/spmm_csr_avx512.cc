// CSR batch-1 kernel with AVX-512: 16 nonzeros at a time, column indices widened to 32 bits
// (uint16 via vpmovzxwd), x[col] gathered with vpgatherdps and FMA'd into two accumulators; the row
// tail uses masked loads and a masked gather; one horizontal reduction per row.
// Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_typed.h"
#include "simd_vt_avx512.h"
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
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (; k + 32 <= end; k += 32) {
      prefetchAhead(val + k);
      prefetchAhead(val + k + 16);
      prefetchAhead(idx + k);
      const __m512 x0 = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, VT::loadIndices(idx + k, 0xffff), x, 4);
      const __m512 x1 =
          _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, VT::loadIndices(idx + k + 16, 0xffff), x, 4);
      acc0 = _mm512_fmadd_ps(VT::loadValues(val + k, 0xffff), x0, acc0);
      acc1 = _mm512_fmadd_ps(VT::loadValues(val + k + 16, 0xffff), x1, acc1);
    }
    for (; k < end; k += 16) {
      const std::size_t n = end - k;
      const __mmask16 m = n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1);
      const __m512 xg = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, VT::loadIndices(idx + k, m), x, 4);
      acc0 = _mm512_fmadd_ps(VT::loadValues(val + k, m), xg, acc0);
    }
    out[r - r0] = VT::sum(_mm512_add_ps(acc0, acc1));
  }
}

}  // namespace

void csrVecAvx512(const CsrSimdArgs& a, const float* x, std::size_t r0, std::size_t r1, float* out) {
  withValuesIndices(a.values, a.f16, a.indices, a.indexWidth,
                    [&](auto val, auto idx) { vec(a, val, idx, x, r0, r1, out); });
}

}  // namespace cpu
}  // namespace gsparse
