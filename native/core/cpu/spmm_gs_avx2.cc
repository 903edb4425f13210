// GS gather kernels with AVX2, 8 lanes at a time: vgatherdps from x (bodies in
// gs_gather_simd.inc; loads from simd_load_avx2.h). Only intrinsics and plain code here (see
// gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_load_avx2.h"
#include "simd_typed.h"

namespace gsparse {
namespace cpu {

namespace {

struct VT {
  using V = __m256;
  using VI = __m256i;
  static constexpr std::size_t W = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static void store(float* p, V v) { _mm256_store_ps(p, v); }
  static V gather(const float* base, VI ix) { return _mm256_i32gather_ps(base, ix, 4); }
  template <class T>
  static V loadValues(const T* v) { return cpu::loadValues(v); }
  template <class T>
  static VI loadIndices(const T* ix) { return cpu::loadIndices(ix); }
};

}  // namespace

#define GS_GATHER_ENTRY(name) name##Avx2
#include "gs_gather_simd.inc"

}  // namespace cpu
}  // namespace gsparse
