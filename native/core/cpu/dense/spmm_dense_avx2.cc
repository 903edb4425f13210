// Dense SGEMM / GEMV with AVX2 + FMA (see dense_isa.h; bodies in sgemm_simd.h): the
// micro-kernel runs 6 W rows x 1 X^T tile (two ymm per row), 12 ymm accumulators; fp16 W widens with
// vcvtph2ps; row tails are scalar. Only intrinsics and plain code here (see gs_isa.h for why).
#include <immintrin.h>

#include "dense_isa.h"
#include "../simd_typed.h"
#include "../simd_vt_avx2.h"
#include "sgemm_simd.h"

namespace gsparse {
namespace cpu {

namespace {

// The register blocking and row helpers of sgemm_simd.h for AVX2 (no masked fp16 loads: scalar tails).
struct DenseCfg {
  static constexpr std::size_t kMr = kGemmMrAvx2;
  static constexpr int kTilesPerPass = 1;

  // Copies n weights of one row to dst as fp32.
  template <class T>
  static void copyRow(const T* src, float* dst, std::size_t n) {
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8) VT::store(dst + k, VT::loadValues(src + k));
    for (; k < n; ++k) dst[k] = weightAt(src + k);
  }

  // Dot products of NR rows (pointers w[i]) with x over n columns.
  template <int NR, class V>
  static void dots(const V* const* w, const float* x, std::size_t n, float* out) {
    __m256 acc0[NR], acc1[NR];
    for (int i = 0; i < NR; ++i) acc0[i] = acc1[i] = _mm256_setzero_ps();
    std::size_t k = 0;
    for (; k + 16 <= n; k += 16) {
      const __m256 xa = _mm256_loadu_ps(x + k), xb = _mm256_loadu_ps(x + k + 8);
#pragma GCC unroll 4
      for (int i = 0; i < NR; ++i) {
        acc0[i] = _mm256_fmadd_ps(VT::loadValues(w[i] + k), xa, acc0[i]);
        acc1[i] = _mm256_fmadd_ps(VT::loadValues(w[i] + k + 8), xb, acc1[i]);
      }
    }
    for (int i = 0; i < NR; ++i) {
      float s = VT::sum(_mm256_add_ps(acc0[i], acc1[i]));
      for (std::size_t kk = k; kk < n; ++kk) s += weightAt(w[i] + kk) * x[kk];
      out[i] = s;
    }
  }
};

}  // namespace

void denseGemvAvx2(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  withValueType(a.w, [&](auto w) { denseGemvT<DenseCfg>(a, w, r0, r1); });
}

void denseTilesAvx2(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  withValueType(a.w, [&](auto w) { denseTilesT<VT, DenseCfg>(a, w, r0, r1); });
}

}  // namespace cpu
}  // namespace gsparse
