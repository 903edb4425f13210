// Dense SGEMM / GEMV with AVX2 + FMA (see sgemm_blocking.h). Only intrinsics and plain code here.
//
// Batch > 1: per block of kMr = 6 W rows and kGemmKc columns, the W block is copied (fp16 converted
// with vcvtph2ps) into an L1 buffer [kMr][kGemmKc]; the micro-kernel broadcasts W[i][k] and FMAs it
// against one 16-lane X^T tile row (two ymm): 6 x 16 fp32 accumulators in 12 ymm. Batch 1: rows
// dotted 4 at a time against x.
#include <immintrin.h>

#include "sgemm_blocking.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kMr = 6;
constexpr std::size_t kLanes = 16;
constexpr std::size_t kMaxTiles = 16;

inline std::size_t minSz(std::size_t a, std::size_t b) { return a < b ? a : b; }

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

inline void microKernel(const float* __restrict wp, const float* __restrict xt, std::size_t kc, float* __restrict c,
                        bool accumulate) {
  __m256 acc[kMr][2];
#pragma GCC unroll 6
  for (std::size_t i = 0; i < kMr; ++i)
    for (int h = 0; h < 2; ++h)
      acc[i][h] = accumulate ? _mm256_load_ps(c + i * 16 + h * 8) : _mm256_setzero_ps();
  for (std::size_t k = 0; k < kc; ++k) {
    const __m256 x0 = _mm256_load_ps(xt + k * 16), x1 = _mm256_load_ps(xt + k * 16 + 8);
#pragma GCC unroll 6
    for (std::size_t i = 0; i < kMr; ++i) {
      const __m256 wv = _mm256_broadcast_ss(wp + i * kGemmKc + k);
      acc[i][0] = _mm256_fmadd_ps(wv, x0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(wv, x1, acc[i][1]);
    }
  }
#pragma GCC unroll 6
  for (std::size_t i = 0; i < kMr; ++i)
    for (int h = 0; h < 2; ++h) _mm256_store_ps(c + i * 16 + h * 8, acc[i][h]);
}

template <class V>
void tiles(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  const V* w = static_cast<const V*>(a.w);
  const std::size_t cols = a.cols, tileStride = cols * kLanes;
  alignas(64) float wp[kMr * kGemmKc];
  alignas(64) float cbuf[kMaxTiles * kMr * kLanes];
  for (std::size_t r = r0; r < r1; r += kMr) {
    const std::size_t nr = minSz(kMr, r1 - r);
    for (std::size_t k0 = 0; k0 < cols; k0 += kGemmKc) {
      const std::size_t kc = minSz(kGemmKc, cols - k0);
      for (std::size_t i = 0; i < kMr; ++i) copyRow(w + (r + minSz(i, nr - 1)) * cols + k0, wp + i * kGemmKc, kc);
      const float* xk = a.xt + k0 * kLanes;
      for (std::size_t t = 0; t < a.tiles; ++t) microKernel(wp, xk + t * tileStride, kc, cbuf + t * kMr * kLanes, k0 > 0);
    }
    for (std::size_t t = 0; t < a.tiles; ++t) {
      const std::size_t width = minSz(kLanes, a.batch - t * kLanes);
      const float* ct = cbuf + t * kMr * kLanes;
      for (std::size_t j = 0; j < width; ++j) {
        float* yb = a.y + (a.b0 + t * kLanes + j) * a.yRows;
        for (std::size_t i = 0; i < nr; ++i) yb[a.rowIds ? a.rowIds[r + i] : r + i] = ct[i * kLanes + j];
      }
    }
  }
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

template <class V>
void gemv(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  const V* w = static_cast<const V*>(a.w);
  const std::size_t cols = a.cols;
  float s[4];
  std::size_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const V* rows[4] = {w + r * cols, w + (r + 1) * cols, w + (r + 2) * cols, w + (r + 3) * cols};
    dots<4>(rows, a.x, cols, s);
    for (std::size_t i = 0; i < 4; ++i) a.y[a.rowIds ? a.rowIds[r + i] : r + i] = s[i];
  }
  for (; r < r1; ++r) {
    const V* row[1] = {w + r * cols};
    dots<1>(row, a.x, cols, s);
    a.y[a.rowIds ? a.rowIds[r] : r] = s[0];
  }
}

}  // namespace

void denseGemvAvx2(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  if (a.f16) gemv<uint16_t>(a, r0, r1);
  else gemv<float>(a, r0, r1);
}

void denseTilesAvx2(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  if (a.f16) tiles<uint16_t>(a, r0, r1);
  else tiles<float>(a, r0, r1);
}

}  // namespace cpu
}  // namespace gsparse
