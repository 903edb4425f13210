// GS gather kernels with AVX-512, 16 lanes at a time: vpgatherdps from x (bodies in
// gs_gather_simd.inc). fp16 values widen with vcvtph2ps, uint16 indices with vpmovzxwd. Only
// intrinsics and plain code here (see gs_gather.h for why). The zero-masked intrinsic forms avoid
// GCC 12's false -Wmaybe-uninitialized on the unmasked ones (same instructions).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_typed.h"

namespace gsparse {
namespace cpu {

namespace {

struct VT {
  using V = __m512;
  using VI = __m512i;
  static constexpr std::size_t W = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static void store(float* p, V v) { _mm512_store_ps(p, v); }
  static V gather(const float* base, VI ix) { return _mm512_mask_i32gather_ps(zero(), 0xffff, ix, base, 4); }
  static V loadValues(const float* v) { return _mm512_loadu_ps(v); }
  static V loadValues(const uint16_t* v) {
    return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v)));
  }
  static VI loadIndices(const uint32_t* ix) { return _mm512_loadu_si512(ix); }
  static VI loadIndices(const uint16_t* ix) {
    return _mm512_maskz_cvtepu16_epi32(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix)));
  }
};

}  // namespace

#define GS_GATHER_ENTRY(name) name##Avx512
#include "gs_gather_simd.inc"

}  // namespace cpu
}  // namespace gsparse
