// Bias + activation fused into the store of every CPU kernel: y = act(acc + bias[row]).
// GELU is the exact erf form, 0.5 * x * (1 + erf(x / sqrt(2))) (what PyTorch's default GELU and
// ONNX Gelu compute), not the tanh approximation.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "epilogue_span.h"
#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"

namespace gsparse {
namespace cpu {

// The vector epilogue (epilogue_span.h) takes the activation as its value.
static_assert(static_cast<uint8_t>(Activation::None) == kActNone && static_cast<uint8_t>(Activation::Relu) == kActRelu &&
                  static_cast<uint8_t>(Activation::Gelu) == kActGelu,
              "epilogue_span.h activation values");

struct Epilogue {
  const float* bias = nullptr;
  Activation activation = Activation::None;

  explicit Epilogue(const MatmulArgs& a) : bias(a.bias), activation(a.activation) {}

  float operator()(float acc, std::size_t row) const {
    float v = bias ? acc + bias[row] : acc;
    switch (activation) {
      case Activation::Relu: return v > 0.0f ? v : (v == v ? 0.0f : v);  // NaN propagates
      case Activation::Gelu: return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
      case Activation::None: break;
    }
    return v;
  }
};

// Bias + activation in place over y[r0, r1) through an ISA's vector epilogue (epilogueSpanAvx512 /
// epilogueSpanAvx2), for the batch-1 ISA kernels that write raw row sums there; nothing to do without
// bias or activation.
inline void epilogueRowsInPlace(EpilogueSpanFn span, const MatmulArgs& a, std::size_t r0, std::size_t r1) {
  if (!a.bias && a.activation == Activation::None) return;
  span(a.y + r0, 1, a.bias ? a.bias + r0 : nullptr, static_cast<uint8_t>(a.activation), a.y + r0, r1 - r0);
}

// Width of a batch tile: X^T tiles are [cols][kBatchTile] and accumulators [outRows][kBatchTile].
constexpr std::size_t kBatchTile = 16;

// Stores a tile of accumulators acc[i * kBatchTile + j] (output row i of the tile, batch column j)
// into y[(b0 + j) * yRows + rowOf(i)] through the epilogue, for i < n, j < width. Rows mapped to
// PackedMatrix::kNoRow (padding rows of a partial group or block) are not stored.
template <class RowOf>
inline void storeTile(const Epilogue& epi, const float* acc, std::size_t n, RowOf rowOf, std::size_t width,
                      std::size_t b0, float* y, std::size_t yRows) {
  for (std::size_t j = 0; j < width; ++j) {
    float* yb = y + (b0 + j) * yRows;
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t r = rowOf(i);
      if (r != PackedMatrix::kNoRow) yb[r] = epi(acc[i * kBatchTile + j], r);
    }
  }
}

}  // namespace cpu
}  // namespace gsparse
