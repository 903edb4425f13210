// The epilogue of every CPU kernel, y = act(acc + bias[row]): the scalar Epilogue, applied to each
// output as a kernel stores it, and the vector epilogue (EpilogueSpanFn: the ISA kernel tables'
// `epilogue` / `store`, body in epilogue_simd.h) over a span of outputs. GELU is the exact erf form,
// 0.5 * x * (1 + erf(x / sqrt(2))) (what PyTorch's default GELU and ONNX Gelu compute), not the tanh
// approximation.
// Generic and ISA files both include it (the ISA kernel tables carry their vector epilogue), so it
// holds only plain declarations, and its inline code sits in an anonymous namespace: every file has
// its own copy, so none compiled with ISA flags can stand in for generic code (see kernel_table.h).
#pragma once
#include <math.h>  // erff: a plain library call (std::erf's float overload is an inline wrapper)

#include <cstddef>
#include <cstdint>

namespace gsparse {
namespace cpu {

// The activation as the kernels take it: gsparse::Activation's value (checked in spmm_common.h).
constexpr uint8_t kActNone = 0, kActRelu = 1, kActGelu = 2;

// Vector: y[i] = act(src[i * stride] + bias[i]) for i < n (bias may be null; y must not overlap src
// unless stride is 1 and y == src). GELU keeps its relative accuracy in the negative tail: within 1e-6
// of the exact form for |v| <= 5, 1e-5 beyond (the float rounding of the exponent v^2 / 2), 0 below
// 1e-35.
using EpilogueSpanFn = void (*)(const float* src, std::size_t stride, const float* bias, uint8_t act, float* y,
                                std::size_t n);

namespace {

// Scalar: one output at a time, with exact std::erf.
struct Epilogue {
  const float* bias = nullptr;
  uint8_t activation = kActNone;

  // The bias and activation of a call's arguments (MatmulArgs).
  template <class Args>
  explicit Epilogue(const Args& a) : bias(a.bias), activation(static_cast<uint8_t>(a.activation)) {}

  float operator()(float acc, std::size_t row) const {
    float v = bias ? acc + bias[row] : acc;
    switch (activation) {
      case kActRelu: return v > 0.0f ? v : (v == v ? 0.0f : v);  // NaN propagates
      case kActGelu: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
      default: break;
    }
    return v;
  }
};

}  // namespace
}  // namespace cpu
}  // namespace gsparse
