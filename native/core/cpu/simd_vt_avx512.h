// The AVX-512 vector helpers (struct VT) that the kernel templates shared by both ISAs
// (row_blocked_simd.h, gs_gather_simd.h, ...) are written against; simd_vt_avx2.h is the AVX2 twin with
// the same names. Include only from files compiled with AVX-512 flags: the anonymous namespace gives
// each such file its own copy, so nothing AVX-512 leaks into generic code (see kernel_table.h). The
// zero-masked intrinsic forms avoid GCC 12's false -W(maybe-)uninitialized on the unmasked ones (same
// instructions).
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace gsparse {
namespace cpu {
namespace {

struct VT {
  using V = __m512;
  using VI = __m512i;
  static constexpr int W = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V bcast(const float* p) { return _mm512_set1_ps(*p); }
  static V load(const float* p) { return _mm512_load_ps(p); }  // 64-byte aligned
  // Four weights in one load, then broadcast lane by lane: a shuffle port uop instead of a load
  // port one per weight (the row-blocked kernel is load-bound). p: 16-byte aligned.
  static V loadQuad(const float* p) { return _mm512_castps128_ps512(_mm_load_ps(p)); }
  template <int I>
  static V lane(V q) {
    if constexpr (I == 0) return _mm512_broadcastss_ps(_mm512_castps512_ps128(q));
    else return _mm512_permutexvar_ps(_mm512_set1_epi32(I), q);
  }
  static void store(float* p, V v) { _mm512_store_ps(p, v); }
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  // Sum of the lanes (masked extract: GCC 12 warns falsely on _mm512_reduce_add_ps's unmasked one).
  static float sum(V v) {
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_maskz_extractf32x8_ps(0xff, v, 1));
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
  }
  static void storeu(float* p, V v) { _mm512_storeu_ps(p, v); }
  // Arithmetic for the vector epilogue (epilogue_simd.h).
  static V set1(float f) { return _mm512_set1_ps(f); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  // 1 / a to ~2^-28: the 14-bit estimate and one Newton step (a divide is 16 cycles of throughput).
  static V recip(V a) {
    const V r = _mm512_maskz_rcp14_ps(0xffff, a);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(a, r, _mm512_set1_ps(2.0f)));
  }
  static V abs(V a) { return _mm512_abs_ps(a); }
  static V max(V a, V b) { return _mm512_maskz_max_ps(0xffff, a, b); }  // b where either is NaN (as maxps)
  static V min(V a, V b) { return _mm512_maskz_min_ps(0xffff, a, b); }
  static V round(V a) { return _mm512_maskz_roundscale_ps(0xffff, a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // a * 2^n for integral n in [-126, 127].
  static V scale2(V a, V n) { return _mm512_maskz_scalef_ps(0xffff, a, n); }
  // a where x < 0, b elsewhere (NaN x: b).
  static V selectNeg(V x, V a, V b) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, zero(), _CMP_LT_OQ), b, a); }
  // The first n (<= W) floats at p, p[i * stride] apart; lanes >= n are 0 and not read.
  static V loadStrided(const float* p, std::size_t stride, std::size_t n) {
    const M m = static_cast<M>(n >= 16 ? 0xffffu : (1u << n) - 1);
    if (stride == 1) return _mm512_maskz_loadu_ps(m, p);
    const VI ix = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                     _mm512_set1_epi32(static_cast<int>(stride)));
    return gather(p, ix, m);
  }
  // dst[c * dstStride + j] = src[j * srcStride + c] for a 16 x 16 block (unaligned both sides).
  static void transpose(const float* src, std::size_t srcStride, float* dst, std::size_t dstStride) {
    V r[16], t[16];
    for (int j = 0; j < 16; ++j) r[j] = _mm512_loadu_ps(src + j * srcStride);
    for (int j = 0; j < 16; j += 2) t[j] = _mm512_maskz_unpacklo_ps(0xffff, r[j], r[j + 1]), t[j + 1] = _mm512_maskz_unpackhi_ps(0xffff, r[j], r[j + 1]);
    // r[4g + m], 128-bit lane k: rows 4g..4g+3 of column 4k + m.
    for (int g = 0; g < 16; g += 4) {
      r[g] = _mm512_maskz_shuffle_ps(0xffff, t[g], t[g + 2], 0x44), r[g + 1] = _mm512_maskz_shuffle_ps(0xffff, t[g], t[g + 2], 0xee);
      r[g + 2] = _mm512_maskz_shuffle_ps(0xffff, t[g + 1], t[g + 3], 0x44), r[g + 3] = _mm512_maskz_shuffle_ps(0xffff, t[g + 1], t[g + 3], 0xee);
    }
    for (int m = 0; m < 4; ++m) {
      const V a = _mm512_maskz_shuffle_f32x4(0xffff, r[m], r[4 + m], 0x88), b = _mm512_maskz_shuffle_f32x4(0xffff, r[8 + m], r[12 + m], 0x88);
      const V c = _mm512_maskz_shuffle_f32x4(0xffff, r[m], r[4 + m], 0xdd), d = _mm512_maskz_shuffle_f32x4(0xffff, r[8 + m], r[12 + m], 0xdd);
      _mm512_storeu_ps(dst + m * dstStride, _mm512_maskz_shuffle_f32x4(0xffff, a, b, 0x88));
      _mm512_storeu_ps(dst + (8 + m) * dstStride, _mm512_maskz_shuffle_f32x4(0xffff, a, b, 0xdd));
      _mm512_storeu_ps(dst + (4 + m) * dstStride, _mm512_maskz_shuffle_f32x4(0xffff, c, d, 0x88));
      _mm512_storeu_ps(dst + (12 + m) * dstStride, _mm512_maskz_shuffle_f32x4(0xffff, c, d, 0xdd));
    }
  }
  static void storeN(float* p, V v, std::size_t n) {
    _mm512_mask_storeu_ps(p, static_cast<M>(n >= 16 ? 0xffffu : (1u << n) - 1), v);
  }
  // The lanes where w is not zero (NaN included), the others 0: such a vector times w never reads x
  // for a zero weight, so 0 * Inf cannot make a NaN.
  using M = __mmask16;
  static M nonzero(V w) { return _mm512_cmp_ps_mask(w, zero(), _CMP_NEQ_UQ); }
  // base[ix[j]] for the lanes j in m, 0 elsewhere (those lanes are not read).
  static V gather(const float* base, VI ix, M m) { return _mm512_mask_i32gather_ps(zero(), m, ix, base, 4); }
  static V gather(const float* base, VI ix) { return gather(base, ix, 0xffff); }
  // W weights as fp32 (fp16 widened) and W column indices as int32 (uint16 widened), unaligned.
  static V loadValues(const float* v) { return _mm512_loadu_ps(v); }
  static V loadValues(const uint16_t* v) {
    return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v)));
  }
  static VI loadIndices(const uint32_t* ix) { return _mm512_loadu_si512(ix); }
  static VI loadIndices(const uint16_t* ix) {
    return _mm512_maskz_cvtepu16_epi32(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix)));
  }
  // The same for the lanes in m only (row tails), 0 elsewhere; the others are not read.
  static V loadValues(const float* v, M m) { return _mm512_maskz_loadu_ps(m, v); }
  static V loadValues(const uint16_t* v, M m) { return _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(m, v)); }
  static VI loadIndices(const uint32_t* ix, M m) { return _mm512_maskz_loadu_epi32(m, ix); }
  static VI loadIndices(const uint16_t* ix, M m) {
    return _mm512_maskz_cvtepu16_epi32(0xffff, _mm256_maskz_loadu_epi16(m, ix));
  }
  // The last n (< W) weights of a row as fp32.
  template <class T>
  static void copyTail(const T* src, float* dst, std::size_t n) {
    if (n == 0) return;
    const M m = static_cast<M>((1u << n) - 1);
    _mm512_mask_storeu_ps(dst, m, loadValues(src, m));
  }
  // A dense row's dot product: the lanes of acc0 + acc1 plus w[k] * x[k] for its last n (< 2W)
  // columns, those as masked vectors into acc0.
  template <class T>
  static float dotTail(V acc0, V acc1, const T* w, const float* x, std::size_t n) {
    for (std::size_t k = 0; k < n; k += 16) {
      const M m = n - k >= 16 ? static_cast<M>(0xffff) : static_cast<M>((1u << (n - k)) - 1);
      acc0 = fma(loadValues(w + k, m), _mm512_maskz_loadu_ps(m, x + k), acc0);
    }
    return sum(add(acc0, acc1));
  }
  // x[idx[b]] in lanes 4b .. 4b + 3 for b < W / 4: each 4 x 1 block's x value for its 4 rows.
  template <class I>
  static V repeat4(const float* x, const I* idx) {
    const VI c = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<int>(idx[3]),
                                  static_cast<int>(idx[2]), static_cast<int>(idx[1]), static_cast<int>(idx[0]));
    return gather(x, _mm512_permutexvar_epi32(_mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0), c));
  }
  // s[i] = the sum of lanes i, 4 + i, ... of v for i < 4.
  static void sumQuads(V v, float* s) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, v);
    for (int i = 0; i < 4; ++i) s[i] = lanes[i] + lanes[4 + i] + lanes[8 + i] + lanes[12 + i];
  }
  // acc plus the n (< W) products v[i] * x[ix[i]] of a row's tail, in some of its lanes.
  template <class T, class I>
  static V tailDot(const T* v, const I* ix, const float* x, unsigned n, V acc) {
    const M m = static_cast<M>((1u << n) - 1);
    return fma(loadValues(v, m), gather(x, loadIndices(ix, m), m), acc);
  }
};

}  // namespace
}  // namespace cpu
}  // namespace gsparse
