// CSR kernels with AVX-512. Batch 1: 16 nonzeros at a time, column indices widened to 32 bits
// (uint16 via vpmovzxwd), x[col] gathered with vpgatherdps and FMA'd into two accumulators; the row
// tail uses masked loads and a masked gather; one horizontal reduction per row. Batch tile: each
// nonzero w at column c does acc += w * xt[c][0..16) (one zmm per row, 4 chains per row).
// Only intrinsics and plain code here (see gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"

namespace gsparse {
namespace cpu {

namespace {

inline __m512 loadValues(const float* v, __mmask16 m) { return _mm512_maskz_loadu_ps(m, v); }
inline __m512 loadValues(const uint16_t* v, __mmask16 m) {
  return _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(m, v));
}
inline __m512i loadIndices(const uint32_t* ix, __mmask16 m) { return _mm512_maskz_loadu_epi32(m, ix); }
inline __m512i loadIndices(const uint16_t* ix, __mmask16 m) {
  return _mm512_maskz_cvtepu16_epi32(0xffff, _mm256_maskz_loadu_epi16(m, ix));
}
inline float weight(const float* v, std::size_t k) { return v[k]; }
// Horizontal sum (masked extract: GCC 12 warns on _mm512_reduce_add_ps's unmasked one).
inline float hsum(__m512 v) {
  __m256 h = _mm256_add_ps(_mm512_maskz_extractf32x8_ps(0xff, v, 0), _mm512_maskz_extractf32x8_ps(0xff, v, 1));
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}
inline float weight(const uint16_t* v, std::size_t k) { return _cvtsh_ss(v[k]); }

template <class V, class I>
void vec(const CsrSimdArgs& a, const float* x, std::size_t r0, std::size_t r1, float* out) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  for (std::size_t r = r0; r < r1; ++r) {
    std::size_t k = a.ptr[r];
    const std::size_t end = a.ptr[r + 1];
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (; k + 32 <= end; k += 32) {
      const __m512 x0 = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, loadIndices(idx + k, 0xffff), x, 4);
      const __m512 x1 =
          _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, loadIndices(idx + k + 16, 0xffff), x, 4);
      acc0 = _mm512_fmadd_ps(loadValues(val + k, 0xffff), x0, acc0);
      acc1 = _mm512_fmadd_ps(loadValues(val + k + 16, 0xffff), x1, acc1);
    }
    for (; k < end; k += 16) {
      const std::size_t n = end - k;
      const __mmask16 m = n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1);
      const __m512 xg = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, loadIndices(idx + k, m), x, 4);
      acc0 = _mm512_fmadd_ps(loadValues(val + k, m), xg, acc0);
    }
    out[r - r0] = hsum(_mm512_add_ps(acc0, acc1));
  }
}

template <class V, class I>
void tile(const CsrSimdArgs& a, std::size_t r0, std::size_t nr, const float* xt, float* out) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  for (std::size_t i = 0; i < nr; ++i) {
    std::size_t k = a.ptr[r0 + i];
    const std::size_t end = a.ptr[r0 + i + 1];
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps(),
           acc3 = _mm512_setzero_ps();
    for (; k + 4 <= end; k += 4) {
      acc0 = _mm512_fmadd_ps(_mm512_set1_ps(weight(val, k)), _mm512_load_ps(xt + std::size_t{idx[k]} * 16), acc0);
      acc1 = _mm512_fmadd_ps(_mm512_set1_ps(weight(val, k + 1)), _mm512_load_ps(xt + std::size_t{idx[k + 1]} * 16),
                             acc1);
      acc2 = _mm512_fmadd_ps(_mm512_set1_ps(weight(val, k + 2)), _mm512_load_ps(xt + std::size_t{idx[k + 2]} * 16),
                             acc2);
      acc3 = _mm512_fmadd_ps(_mm512_set1_ps(weight(val, k + 3)), _mm512_load_ps(xt + std::size_t{idx[k + 3]} * 16),
                             acc3);
    }
    for (; k < end; ++k)
      acc0 = _mm512_fmadd_ps(_mm512_set1_ps(weight(val, k)), _mm512_load_ps(xt + std::size_t{idx[k]} * 16), acc0);
    _mm512_store_ps(out + i * 16, _mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
  }
}

// NT tiles at once: each weight broadcast serves NT FMAs; 2 chains per tile.
template <int NT, class V, class I>
void tileN(const CsrSimdArgs& a, std::size_t r0, std::size_t nr, const float* const* xt, float* const* out) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  for (std::size_t i = 0; i < nr; ++i) {
    std::size_t k = a.ptr[r0 + i];
    const std::size_t end = a.ptr[r0 + i + 1];
    __m512 c0[NT], c1[NT];
    for (int h = 0; h < NT; ++h) c0[h] = c1[h] = _mm512_setzero_ps();
    for (; k + 2 <= end; k += 2) {
      const __m512 w0 = _mm512_set1_ps(weight(val, k)), w1 = _mm512_set1_ps(weight(val, k + 1));
      const std::size_t o0 = std::size_t{idx[k]} * 16, o1 = std::size_t{idx[k + 1]} * 16;
      for (int h = 0; h < NT; ++h) {
        c0[h] = _mm512_fmadd_ps(w0, _mm512_load_ps(xt[h] + o0), c0[h]);
        c1[h] = _mm512_fmadd_ps(w1, _mm512_load_ps(xt[h] + o1), c1[h]);
      }
    }
    if (k < end) {
      const __m512 w0 = _mm512_set1_ps(weight(val, k));
      const std::size_t o0 = std::size_t{idx[k]} * 16;
      for (int h = 0; h < NT; ++h) c0[h] = _mm512_fmadd_ps(w0, _mm512_load_ps(xt[h] + o0), c0[h]);
    }
    for (int h = 0; h < NT; ++h) _mm512_store_ps(out[h] + i * 16, _mm512_add_ps(c0[h], c1[h]));
  }
}

template <class V, class I>
void tileMulti(const CsrSimdArgs& a, std::size_t r0, std::size_t nr, std::size_t nt, const float* const* xt,
               float* const* out) {
  if (nt == 4) tileN<4, V, I>(a, r0, nr, xt, out);
  else tileN<2, V, I>(a, r0, nr, xt, out);
}

}  // namespace

void csrTileMultiAvx512(const CsrSimdArgs& a, std::size_t r0, std::size_t nr, std::size_t nt, const float* const* xt,
                        float* const* out) {
  if (a.f16) {
    if (a.indexWidth == 2) tileMulti<uint16_t, uint16_t>(a, r0, nr, nt, xt, out);
    else tileMulti<uint16_t, uint32_t>(a, r0, nr, nt, xt, out);
  } else {
    if (a.indexWidth == 2) tileMulti<float, uint16_t>(a, r0, nr, nt, xt, out);
    else tileMulti<float, uint32_t>(a, r0, nr, nt, xt, out);
  }
}

void csrVecAvx512(const CsrSimdArgs& a, const float* x, std::size_t r0, std::size_t r1, float* out) {
  if (a.f16) {
    if (a.indexWidth == 2) vec<uint16_t, uint16_t>(a, x, r0, r1, out);
    else vec<uint16_t, uint32_t>(a, x, r0, r1, out);
  } else {
    if (a.indexWidth == 2) vec<float, uint16_t>(a, x, r0, r1, out);
    else vec<float, uint32_t>(a, x, r0, r1, out);
  }
}

void csrTileAvx512(const CsrSimdArgs& a, std::size_t r0, std::size_t nr, const float* xt, float* out) {
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
