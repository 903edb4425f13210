// Interface of the vectorised epilogue (epilogue_simd.h, instantiated by epilogue_avx512.cc and
// epilogue_avx2.cc): the bias + activation of epilogue.h over a span of outputs, for the kernels whose
// accumulators come out a span at a time. Free of std containers and inline library code for the
// reason given in gs_isa.h, so the activation is its uint8_t value (checked against
// gsparse::Activation in epilogue.h).
#pragma once
#include <cstddef>
#include <cstdint>

namespace gsparse {
namespace cpu {

constexpr uint8_t kActNone = 0, kActRelu = 1, kActGelu = 2;

// y[i] = act(src[i * stride] + bias[i]) for i < n (bias may be null; y must not overlap src unless
// stride is 1 and y == src). GELU keeps its relative accuracy in the negative tail: within 1e-6 of the
// exact form for |v| <= 5, 1e-5 beyond (the float rounding of the exponent v^2 / 2), 0 below 1e-35.
using EpilogueSpanFn = void (*)(const float* src, std::size_t stride, const float* bias, uint8_t act, float* y,
                                std::size_t n);
void epilogueSpanAvx512(const float* src, std::size_t stride, const float* bias, uint8_t act, float* y, std::size_t n);
void epilogueSpanAvx2(const float* src, std::size_t stride, const float* bias, uint8_t act, float* y, std::size_t n);

}  // namespace cpu
}  // namespace gsparse
