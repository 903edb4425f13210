// The block family's ISA kernels (4 x 1 blocks): the table BlockIsa that block/spmm_block_avx2.cc and
// _avx512.cc define (bodies in block_simd.h). Plain declarations only (see kernel_table.h on the ISA
// tables).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../epilogue.h"
#include "../packed_view.h"

namespace gsparse {
namespace cpu {

// The matrix, the output and the epilogue (bias, activation) that the batched block kernels apply as
// they store.
struct BlockSimdArgs {
  PackedView w;
  const float* bias = nullptr;
  uint8_t activation = kActNone;  // epilogue.h
  float* y = nullptr;             // [batch, rows]
};

// Batch 1: x zero-padded to whole block columns; writes the raw sums y[r] for the rows of block rows
// [br0, br1).
using BlockVecFn = void (*)(const BlockSimdArgs& a, const float* x, std::size_t br0, std::size_t br1);
// Batched: xt = first of `tiles` transposed tiles ([colsPadded][16] each, tileStride floats apart),
// holding batch rows b0 .. b0 + batch; writes y rows of those batch rows, bias and activation applied.
using BlockTilesFn = void (*)(const BlockSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                              std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1);

// One ISA's block kernels; all require 4 x 1 blocks and indexWidth 2 or 4.
struct BlockIsa {
  BlockVecFn vec;           // batch 1
  BlockTilesFn tiles;       // batch > 1
  EpilogueSpanFn epilogue;  // the ISA's vector epilogue, applied to vec's sums in place
};
extern const BlockIsa kBlockAvx2, kBlockAvx512;

}  // namespace cpu
}  // namespace gsparse
