// Y = X * W^T (+ bias, then activation) on the CPU, for any packed format.
#pragma once
#include <cstddef>
#include <cstdint>

#include "gsparse/packed_matrix.h"

namespace gsparse {

enum class Activation : uint8_t { None = 0, Relu = 1, Gelu = 2 };

struct MatmulArgs {
  const float* x = nullptr;     // [batch, cols] row-major
  std::size_t batch = 0;        // >= 1
  float* y = nullptr;           // [batch, rows] row-major, fully written
  const float* bias = nullptr;  // [rows] or null
  Activation activation = Activation::None;
  uint32_t level = 0;           // nested matrices: the level to run (0 = densest), < w.levelCount()
};

// Runs the kernel the dispatch table picks for (format, ISA). Sizes must already be checked.
void matmulCpu(const PackedMatrix& w, const MatmulArgs& args);

// Bytes held by w's kernel-private copy (PackedMatrix::kernelCache, built by the first batched CPU
// call; 0 before), so bindings can report it to their allocator (V8's external memory).
std::size_t kernelCacheBytes(const PackedMatrix& w);

}  // namespace gsparse
