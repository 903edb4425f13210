// Interface of the ISA-specific 4 x 1 block kernels (block/spmm_block_avx512.cc, _avx2.cc). Plain
// structs and functions only: those files are compiled with -mavx2/-mavx512*, and an inline std
// function emitted there could be the copy the linker keeps for the generic code (see gs/gs_isa.h).
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

// Batch 1: x zero-padded to whole block columns; writes the raw sums (no bias or activation: the
// caller applies them, epilogueRowsInPlace) y[r] for the rows of block rows [br0, br1).
// Batched: xt = first of `tiles` transposed tiles ([colsPadded][16] each, tileStride floats apart),
// holding batch rows b0 .. b0 + batch; writes y rows of those batch rows, bias and activation applied.
// Both require 4 x 1 blocks.
void blockVecAvx512(const BlockSimdArgs& a, const float* x, std::size_t br0, std::size_t br1);
void blockTilesAvx512(const BlockSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                      std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1);
void blockVecAvx2(const BlockSimdArgs& a, const float* x, std::size_t br0, std::size_t br1);
void blockTilesAvx2(const BlockSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                    std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1);

}  // namespace cpu
}  // namespace gsparse
