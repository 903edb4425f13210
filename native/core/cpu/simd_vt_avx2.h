// The AVX2+FMA vector helpers (struct VT), the twin of simd_vt_avx512.h with the same names; also
// loadValues / loadIndices as free functions for the AVX2 files that use intrinsics directly.
// Include only from files compiled with AVX2 flags (the anonymous namespace keeps each copy local).
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "simd_typed.h"

namespace gsparse {
namespace cpu {
namespace {

// 8 weights as fp32 (fp16 widened) and 8 column indices as int32 (uint16 widened), unaligned.
inline __m256 loadValues(const float* v) { return _mm256_loadu_ps(v); }
inline __m256 loadValues(const uint16_t* v) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v)));
}
inline __m256i loadIndices(const uint32_t* ix) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix)); }
inline __m256i loadIndices(const uint16_t* ix) {
  return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ix)));
}

struct VT {
  using V = __m256;
  using VI = __m256i;
  static constexpr int W = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V load(const float* p) { return _mm256_load_ps(p); }  // 32-byte aligned
  // As in simd_vt_avx512.h: four weights in one load, broadcast lane by lane (p: 16-byte aligned).
  static V loadQuad(const float* p) { return _mm256_castps128_ps256(_mm_load_ps(p)); }
  template <int I>
  static V lane(V q) {
    if constexpr (I == 0) return _mm256_broadcastss_ps(_mm256_castps256_ps128(q));
    else return _mm256_permutevar8x32_ps(q, _mm256_set1_epi32(I));
  }
  static void store(float* p, V v) { _mm256_store_ps(p, v); }
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static float sum(V v) {  // of the lanes
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
  }
  static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
  using M = __m256;  // lane mask: all ones / all zeros
  static M nonzero(V w) { return _mm256_cmp_ps(w, zero(), _CMP_NEQ_UQ); }
  static V gather(const float* base, VI ix, M m) { return _mm256_mask_i32gather_ps(zero(), base, ix, m, 4); }
  static V gather(const float* base, VI ix) { return _mm256_i32gather_ps(base, ix, 4); }
  // Arithmetic for the vector epilogue (epilogue_simd.h), as in simd_vt_avx512.h.
  static V set1(float f) { return _mm256_set1_ps(f); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  // 1 / a to ~2^-23: the 12-bit estimate and one Newton step (a divide costs far more throughput).
  static V recip(V a) {
    const V r = _mm256_rcp_ps(a);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(a, r, _mm256_set1_ps(2.0f)));
  }
  static V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }  // b where either is NaN (as maxps)
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V round(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // a * 2^n for integral n in [-126, 127]: n goes straight into the exponent bits.
  static V scale2(V a, V n) {
    const VI e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(a, _mm256_castsi256_ps(e));
  }
  // a where x < 0, b elsewhere (NaN x: b).
  static V selectNeg(V x, V a, V b) { return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, zero(), _CMP_LT_OQ)); }
  // The first n (<= W) floats at p, p[i * stride] apart; lanes >= n are 0 and not read.
  static V loadStrided(const float* p, std::size_t stride, std::size_t n) {
    const VI lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const M m = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < 8 ? n : 8)), lanes));
    if (stride == 1) return _mm256_maskload_ps(p, _mm256_castps_si256(m));
    return gather(p, _mm256_mullo_epi32(lanes, _mm256_set1_epi32(static_cast<int>(stride))), m);
  }
  // dst[c * dstStride + j] = src[j * srcStride + c] for an 8 x 8 block (unaligned both sides).
  static void transpose(const float* src, std::size_t srcStride, float* dst, std::size_t dstStride) {
    V r[8], t[8];
    for (int j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(src + j * srcStride);
    for (int j = 0; j < 8; j += 2) t[j] = _mm256_unpacklo_ps(r[j], r[j + 1]), t[j + 1] = _mm256_unpackhi_ps(r[j], r[j + 1]);
    // r[4g + m], 128-bit lane k: rows 4g..4g+3 of column 4k + m.
    for (int g = 0; g < 8; g += 4) {
      r[g] = _mm256_shuffle_ps(t[g], t[g + 2], 0x44), r[g + 1] = _mm256_shuffle_ps(t[g], t[g + 2], 0xee);
      r[g + 2] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0x44), r[g + 3] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0xee);
    }
    for (int m = 0; m < 4; ++m) {
      _mm256_storeu_ps(dst + m * dstStride, _mm256_permute2f128_ps(r[m], r[4 + m], 0x20));
      _mm256_storeu_ps(dst + (4 + m) * dstStride, _mm256_permute2f128_ps(r[m], r[4 + m], 0x31));
    }
  }
  static void storeN(float* p, V v, std::size_t n) {
    const VI m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < 8 ? n : 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(p, m, v);
  }
  template <class T>
  static V loadValues(const T* v) { return cpu::loadValues(v); }
  template <class T>
  static VI loadIndices(const T* ix) { return cpu::loadIndices(ix); }
  // The row tails below are scalar loops: AVX2 has no 16-bit masked loads (and a copy through memory
  // would stall store forwarding).
  // The last n (< W) weights of a row as fp32.
  template <class T>
  static void copyTail(const T* src, float* dst, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) dst[k] = weightAt(src + k);
  }
  // A dense row's dot product: the lanes of acc0 + acc1 plus w[k] * x[k] for its last n (< 2W) columns.
  template <class T>
  static float dotTail(V acc0, V acc1, const T* w, const float* x, std::size_t n) {
    float s = sum(add(acc0, acc1));
    for (std::size_t k = 0; k < n; ++k) s += weightAt(w + k) * x[k];
    return s;
  }
  // x[idx[b]] in lanes 4b .. 4b + 3 for b < W / 4: each 4 x 1 block's x value for its 4 rows.
  template <class I>
  static V repeat4(const float* x, const I* idx) {
    return _mm256_set_m128(_mm_set1_ps(x[idx[1]]), _mm_set1_ps(x[idx[0]]));
  }
  // s[i] = the sum of lanes i, 4 + i, ... of v for i < 4 (s: 16-byte aligned).
  static void sumQuads(V v, float* s) {
    _mm_store_ps(s, _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)));
  }
  // acc plus the n (< W) products v[i] * x[ix[i]] of a row's tail, in lane 0.
  template <class T, class I>
  static V tailDot(const T* v, const I* ix, const float* x, unsigned n, V acc) {
    float s = 0.0f;
    for (unsigned i = 0; i < n; ++i) s += weightAt(v + i) * x[ix[i]];
    return add(acc, _mm256_setr_ps(s, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f));
  }
};

}  // namespace
}  // namespace cpu
}  // namespace gsparse
