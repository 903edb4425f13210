// CSR kernels with AVX2 (same scheme as spmm_csr_avx512.cc, 8 lanes): batch 1 gathers 8 nonzeros
// at a time (scalar tail); batch tile uses 2 ymm per row (16 batch columns), 2 chains each.
// Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_load_avx2.h"

namespace gsparse {
namespace cpu {

namespace {

inline float weight(const float* v, std::size_t k) { return v[k]; }
inline float weight(const uint16_t* v, std::size_t k) { return _cvtsh_ss(v[k]); }

template <class V, class I>
void vec(const CsrSimdArgs& a, const float* x, std::size_t r0, std::size_t r1, float* out) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  for (std::size_t r = r0; r < r1; ++r) {
    std::size_t k = a.ptr[r];
    const std::size_t end = a.ptr[r + 1];
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (; k + 16 <= end; k += 16) {
      acc0 = _mm256_fmadd_ps(loadValues(val + k), _mm256_i32gather_ps(x, loadIndices(idx + k), 4), acc0);
      acc1 = _mm256_fmadd_ps(loadValues(val + k + 8), _mm256_i32gather_ps(x, loadIndices(idx + k + 8), 4), acc1);
    }
    for (; k + 8 <= end; k += 8)
      acc0 = _mm256_fmadd_ps(loadValues(val + k), _mm256_i32gather_ps(x, loadIndices(idx + k), 4), acc0);
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
    float s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (; k < end; ++k) s += weight(val, k) * x[idx[k]];
    out[r - r0] = s;
  }
}

template <class V, class I>
void tile(const CsrSimdArgs& a, std::size_t r0, std::size_t nr, const float* xt, float* out) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  for (std::size_t i = 0; i < nr; ++i) {
    std::size_t k = a.ptr[r0 + i];
    const std::size_t end = a.ptr[r0 + i + 1];
    __m256 lo0 = _mm256_setzero_ps(), hi0 = _mm256_setzero_ps(), lo1 = _mm256_setzero_ps(),
           hi1 = _mm256_setzero_ps();
    for (; k + 2 <= end; k += 2) {
      const __m256 w0 = _mm256_set1_ps(weight(val, k)), w1 = _mm256_set1_ps(weight(val, k + 1));
      const float* x0 = xt + std::size_t{idx[k]} * 16;
      const float* x1 = xt + std::size_t{idx[k + 1]} * 16;
      lo0 = _mm256_fmadd_ps(w0, _mm256_load_ps(x0), lo0);
      hi0 = _mm256_fmadd_ps(w0, _mm256_load_ps(x0 + 8), hi0);
      lo1 = _mm256_fmadd_ps(w1, _mm256_load_ps(x1), lo1);
      hi1 = _mm256_fmadd_ps(w1, _mm256_load_ps(x1 + 8), hi1);
    }
    if (k < end) {
      const __m256 w0 = _mm256_set1_ps(weight(val, k));
      const float* x0 = xt + std::size_t{idx[k]} * 16;
      lo0 = _mm256_fmadd_ps(w0, _mm256_load_ps(x0), lo0);
      hi0 = _mm256_fmadd_ps(w0, _mm256_load_ps(x0 + 8), hi0);
    }
    _mm256_store_ps(out + i * 16, _mm256_add_ps(lo0, lo1));
    _mm256_store_ps(out + i * 16 + 8, _mm256_add_ps(hi0, hi1));
  }
}

}  // namespace

void csrVecAvx2(const CsrSimdArgs& a, const float* x, std::size_t r0, std::size_t r1, float* out) {
  if (a.f16) {
    if (a.indexWidth == 2) vec<uint16_t, uint16_t>(a, x, r0, r1, out);
    else vec<uint16_t, uint32_t>(a, x, r0, r1, out);
  } else {
    if (a.indexWidth == 2) vec<float, uint16_t>(a, x, r0, r1, out);
    else vec<float, uint32_t>(a, x, r0, r1, out);
  }
}

void csrTileAvx2(const CsrSimdArgs& a, std::size_t r0, std::size_t nr, const float* xt, float* out) {
  if (a.f16) {
    if (a.indexWidth == 2) tile<uint16_t, uint16_t>(a, r0, nr, xt, out);
    else tile<uint16_t, uint32_t>(a, r0, nr, xt, out);
  } else {
    if (a.indexWidth == 2) tile<float, uint16_t>(a, r0, nr, xt, out);
    else tile<float, uint32_t>(a, r0, nr, xt, out);
  }
}

}  // namespace cpu
}  // namespace gsparse
