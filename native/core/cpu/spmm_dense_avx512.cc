// Dense SGEMM / GEMV with AVX-512 (see sgemm_blocking.h). Only intrinsics and plain code here.
//
// Batch > 1: C^T[rows, batch] = W[rows, K] * X^T[K, batch]. Per block of kMr = 12 W rows and
// kGemmKc columns, the W block is copied (fp16 converted with vcvtph2ps) into an L1 buffer laid out
// [kMr][kGemmKc]; the micro-kernel then broadcasts W[i][k] (one address register, immediate offsets)
// and FMAs it against two 16-lane X^T vectors: 12 x 32 fp32 accumulators in 24 zmm. Partial sums
// across K blocks live in a small per-call buffer. Batch 1: rows dotted 4 at a time against x.
#include <immintrin.h>

#include "sgemm_blocking.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kMr = 12;
constexpr std::size_t kLanes = 16;       // X^T tile width (kBatchTile)
constexpr std::size_t kMaxTiles = 16;    // XView::kMaxPassTiles

inline std::size_t minSz(std::size_t a, std::size_t b) { return a < b ? a : b; }

// Copies n weights of one row to dst as fp32.
inline void copyRow(const float* src, float* dst, std::size_t n) {
  std::size_t k = 0;
  for (; k + 16 <= n; k += 16) _mm512_store_ps(dst + k, _mm512_loadu_ps(src + k));
  if (k < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - k)) - 1);
    _mm512_mask_storeu_ps(dst + k, m, _mm512_maskz_loadu_ps(m, src + k));
  }
}
inline void copyRow(const uint16_t* src, float* dst, std::size_t n) {
  std::size_t k = 0;
  for (; k + 16 <= n; k += 16)
    _mm512_store_ps(dst + k, _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + k))));
  if (k < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - k)) - 1);
    _mm512_mask_storeu_ps(dst + k, m, _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(m, src + k)));
  }
}

// acc[i][t] (+)= sum_k wp[i * kGemmKc + k] * xt[t * tileStride + k * 16 + lane], stored to
// c[t * kMr * 16 + i * 16 + lane].
template <int NT>
inline void microKernel(const float* __restrict wp, const float* __restrict xt, std::size_t tileStride,
                        std::size_t kc, float* __restrict c, bool accumulate) {
  __m512 acc[kMr][NT];
#pragma GCC unroll 12
  for (std::size_t i = 0; i < kMr; ++i)
#pragma GCC unroll 2
    for (int t = 0; t < NT; ++t)
      acc[i][t] = accumulate ? _mm512_load_ps(c + t * kMr * 16 + i * 16) : _mm512_setzero_ps();
  const float* x1 = xt + (NT > 1 ? tileStride : 0);
  for (std::size_t k = 0; k < kc; ++k) {
    const __m512 x0v = _mm512_load_ps(xt + k * 16);
    const __m512 x1v = _mm512_load_ps(x1 + k * 16);
#pragma GCC unroll 12
    for (std::size_t i = 0; i < kMr; ++i) {
      const __m512 wv = _mm512_set1_ps(wp[i * kGemmKc + k]);
      acc[i][0] = _mm512_fmadd_ps(wv, x0v, acc[i][0]);
      if (NT > 1) acc[i][NT - 1] = _mm512_fmadd_ps(wv, x1v, acc[i][NT - 1]);
    }
  }
#pragma GCC unroll 12
  for (std::size_t i = 0; i < kMr; ++i)
#pragma GCC unroll 2
    for (int t = 0; t < NT; ++t) _mm512_store_ps(c + t * kMr * 16 + i * 16, acc[i][t]);
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
      // Rows past nr repeat the last row (computed, never stored).
      for (std::size_t i = 0; i < kMr; ++i) copyRow(w + (r + minSz(i, nr - 1)) * cols + k0, wp + i * kGemmKc, kc);
      const float* xk = a.xt + k0 * kLanes;
      std::size_t t = 0;
      for (; t + 2 <= a.tiles; t += 2)
        microKernel<2>(wp, xk + t * tileStride, tileStride, kc, cbuf + t * kMr * kLanes, k0 > 0);
      if (t < a.tiles) microKernel<1>(wp, xk + t * tileStride, tileStride, kc, cbuf + t * kMr * kLanes, k0 > 0);
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

inline __m512 loadW(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 loadW(const uint16_t* p) {
  return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512 loadW(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
inline __m512 loadW(const uint16_t* p, __mmask16 m) { return _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(m, p)); }

// Horizontal sum (zero-masked extract: GCC 12 warns falsely on _mm512_reduce_add_ps).
inline float hsum(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_maskz_extractf32x8_ps(0xff, v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Dot products of NR rows (pointers w[i]) with x over n columns.
template <int NR, class V>
inline void dots(const V* const* w, const float* x, std::size_t n, float* out) {
  __m512 acc0[NR], acc1[NR];
  for (int i = 0; i < NR; ++i) acc0[i] = acc1[i] = _mm512_setzero_ps();
  std::size_t k = 0;
  for (; k + 32 <= n; k += 32) {
    const __m512 xa = _mm512_loadu_ps(x + k), xb = _mm512_loadu_ps(x + k + 16);
#pragma GCC unroll 4
    for (int i = 0; i < NR; ++i) {
      acc0[i] = _mm512_fmadd_ps(loadW(w[i] + k), xa, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(loadW(w[i] + k + 16), xb, acc1[i]);
    }
  }
  for (; k < n; k += 16) {
    const __mmask16 m = n - k >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - k)) - 1);
    const __m512 xa = _mm512_maskz_loadu_ps(m, x + k);
    for (int i = 0; i < NR; ++i) acc0[i] = _mm512_fmadd_ps(loadW(w[i] + k, m), xa, acc0[i]);
  }
  for (int i = 0; i < NR; ++i) out[i] = hsum(_mm512_add_ps(acc0[i], acc1[i]));
}

template <class V>
void gemv(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  const V* w = static_cast<const V*>(a.w);
  const std::size_t cols = a.cols;
  float s[4];
  std::size_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const V* rows[4] = {w + r * cols, w + (r + 1) * cols, w + (r + 2) * cols, w + (r + 3) * cols};
    if (r + 8 <= r1)  // the next rows' first lines: the streams start while these finish
      for (int i = 4; i < 8; ++i) _mm_prefetch(reinterpret_cast<const char*>(w + (r + i) * cols), _MM_HINT_T0);
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

void denseGemvAvx512(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  if (a.f16) gemv<uint16_t>(a, r0, r1);
  else gemv<float>(a, r0, r1);
}

void denseTilesAvx512(const DenseGemmArgs& a, std::size_t r0, std::size_t r1) {
  if (a.f16) tiles<uint16_t>(a, r0, r1);
  else tiles<float>(a, r0, r1);
}

}  // namespace cpu
}  // namespace gsparse
