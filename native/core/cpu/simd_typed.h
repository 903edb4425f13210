// Picks the template instance of an ISA kernel for a matrix's value type (fp32, or fp16 bits) and
// index width (2 or 4 bytes); reads single weights of either type. For the *_avx2.cc / *_avx512.cc files only: the anonymous namespace
// gives each its own copy, so nothing compiled with ISA flags can stand in for generic code (see
// gs_gather.h).
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace gsparse {
namespace cpu {
namespace {

// Calls f(val, idx) with val a const float* or const uint16_t* (f16) and idx a const uint16_t* or
// const uint32_t* (indexWidth 2, else 4).
template <class F>
inline void withValuesIndices(const void* values, bool f16, const void* indices, unsigned indexWidth, F&& f) {
  auto byIndex = [&](auto val) {
    if (indexWidth == 2) f(val, static_cast<const uint16_t*>(indices));
    else f(val, static_cast<const uint32_t*>(indices));
  };
  if (f16) byIndex(static_cast<const uint16_t*>(values));
  else byIndex(static_cast<const float*>(values));
}

// One weight as fp32 (fp16 widened with F16C), for the scalar tails of the vector loops.
inline float weightAt(const float* v) { return *v; }
inline float weightAt(const uint16_t* v) { return _cvtsh_ss(*v); }

}  // namespace
}  // namespace cpu
}  // namespace gsparse
