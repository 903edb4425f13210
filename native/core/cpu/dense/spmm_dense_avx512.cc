// Dense SGEMM / GEMV with AVX-512 (see dense_isa.h; bodies in sgemm_simd.h): the micro-kernel
// runs 12 W rows x 2 X^T tiles (32 batch columns), 24 zmm accumulators; fp16 W widens with
// vcvtph2ps; row tails use masked loads. Only intrinsics and plain code here (see gs_isa.h for why).
#include <immintrin.h>

#include "dense_isa.h"
#include "../simd_vt_avx512.h"
#include "sgemm_simd.h"

namespace gsparse {
namespace cpu {

namespace {

// The register blocking and row helpers of sgemm_simd.h for AVX-512.
struct DenseCfg {
  static constexpr std::size_t kMr = kGemmMrAvx512;
  static constexpr int kTilesPerPass = 2;

  // Copies n weights of one row to dst as fp32 (the tail with a masked load and store).
  template <class T>
  static void copyRow(const T* src, float* dst, std::size_t n) {
    std::size_t k = 0;
    for (; k + 16 <= n; k += 16) VT::store(dst + k, VT::loadValues(src + k));
    if (k < n) {
      const __mmask16 m = static_cast<__mmask16>((1u << (n - k)) - 1);
      _mm512_mask_storeu_ps(dst + k, m, VT::loadValues(src + k, m));
    }
  }

  // Dot products of NR rows (pointers w[i]) with x over n columns.
  template <int NR, class V>
  static void dots(const V* const* w, const float* x, std::size_t n, float* out) {
    __m512 acc0[NR], acc1[NR];
    for (int i = 0; i < NR; ++i) acc0[i] = acc1[i] = _mm512_setzero_ps();
    std::size_t k = 0;
    for (; k + 32 <= n; k += 32) {
      const __m512 xa = _mm512_loadu_ps(x + k), xb = _mm512_loadu_ps(x + k + 16);
#pragma GCC unroll 4
      for (int i = 0; i < NR; ++i) {
        acc0[i] = _mm512_fmadd_ps(VT::loadValues(w[i] + k), xa, acc0[i]);
        acc1[i] = _mm512_fmadd_ps(VT::loadValues(w[i] + k + 16), xb, acc1[i]);
      }
    }
    for (; k < n; k += 16) {
      const __mmask16 m = n - k >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - k)) - 1);
      const __m512 xa = _mm512_maskz_loadu_ps(m, x + k);
      for (int i = 0; i < NR; ++i) acc0[i] = _mm512_fmadd_ps(VT::loadValues(w[i] + k, m), xa, acc0[i]);
    }
    for (int i = 0; i < NR; ++i) out[i] = VT::sum(_mm512_add_ps(acc0[i], acc1[i]));
  }
};

}  // namespace

void denseGemvAvx512(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  withValueType(a.w, [&](auto w) { denseGemvT<DenseCfg>(a, w, r0, r1); });
}

void denseTilesAvx512(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  withValueType(a.w, [&](auto w) { denseTilesT<VT, DenseCfg>(a, w, r0, r1); });
}

}  // namespace cpu
}  // namespace gsparse
