// Dense SGEMM / GEMV with AVX2 + FMA (see sgemm_blocking.h; bodies in sgemm_simd.inc): the
// micro-kernel runs 6 W rows x 1 X^T tile (two ymm per row), 12 ymm accumulators; fp16 W widens with
// vcvtph2ps; row tails are scalar. Only intrinsics and plain code here.
#include <immintrin.h>

#include "sgemm_blocking.h"
#include "simd_vt_avx2.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kMr = 6;
constexpr int kTilesPerPass = 1;

inline void copyRow(const float* src, float* dst, std::size_t n) {
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) _mm256_store_ps(dst + k, _mm256_loadu_ps(src + k));
  for (; k < n; ++k) dst[k] = src[k];
}
inline void copyRow(const uint16_t* src, float* dst, std::size_t n) {
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8)
    _mm256_store_ps(dst + k, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k))));
  for (; k < n; ++k) dst[k] = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(src[k])));
}

inline __m256 loadW(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 loadW(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline float loadW1(const float* p) { return *p; }
inline float loadW1(const uint16_t* p) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(*p))); }

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int NR, class V>
inline void dots(const V* const* w, const float* x, std::size_t n, float* out) {
  __m256 acc0[NR], acc1[NR];
  for (int i = 0; i < NR; ++i) acc0[i] = acc1[i] = _mm256_setzero_ps();
  std::size_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m256 xa = _mm256_loadu_ps(x + k), xb = _mm256_loadu_ps(x + k + 8);
#pragma GCC unroll 4
    for (int i = 0; i < NR; ++i) {
      acc0[i] = _mm256_fmadd_ps(loadW(w[i] + k), xa, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(loadW(w[i] + k + 8), xb, acc1[i]);
    }
  }
  for (int i = 0; i < NR; ++i) {
    float s = hsum(_mm256_add_ps(acc0[i], acc1[i]));
    for (std::size_t kk = k; kk < n; ++kk) s += loadW1(w[i] + kk) * x[kk];
    out[i] = s;
  }
}

}  // namespace

#define DENSE_ENTRY(name) name##Avx2
#include "sgemm_simd.inc"

}  // namespace cpu
}  // namespace gsparse
