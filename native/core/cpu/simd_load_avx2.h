// AVX2 loads shared by the *_avx2.cc kernels: 8 weights (fp32, or fp16 widened) and 8 column indices
// (uint32, or uint16 widened). Include only from files compiled with AVX2 flags; the anonymous
// namespace gives each such file its own copy, so nothing AVX2 leaks into generic code.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace gsparse {
namespace cpu {
namespace {

inline __m256 loadValues(const float* v) { return _mm256_loadu_ps(v); }
inline __m256 loadValues(const uint16_t* v) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v)));
}
inline __m256i loadIndices(const uint32_t* ix) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ix)); }
inline __m256i loadIndices(const uint16_t* ix) {
  return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ix)));
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse
