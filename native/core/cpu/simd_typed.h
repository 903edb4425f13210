// Reads single weights of either value type (fp32, or fp16 bits) in the ISA kernels. For the
// *_avx2.cc / *_avx512.cc files only: the anonymous namespace gives each its own copy, so nothing
// compiled with ISA flags can stand in for generic code (see kernel_table.h).
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace gsparse {
namespace cpu {
namespace {

// One weight as fp32 (fp16 widened with F16C), for the scalar tails of the vector loops.
inline float weightAt(const float* v) { return *v; }
inline float weightAt(const uint16_t* v) { return _cvtsh_ss(*v); }

}  // namespace
}  // namespace cpu
}  // namespace gsparse
