// Interface of the ISA-specific N:M and block kernels (spmm_nm_avx512.cc, spmm_nm_avx2.cc; the
// block kernels live in the same files, see spmm_block.cc). Plain structs and functions only:
// those files are compiled with -mavx2/-mavx512*, and an inline std function emitted there could be
// the copy the linker keeps for the generic code (see gs_isa.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../epilogue_span.h"
#include "../packed_view.h"

namespace gsparse {
namespace cpu {

// The matrix, the output and the epilogue (bias, activation) that the batched block kernels apply as
// they store.
struct SparseSimdArgs {
  PackedView w;
  const float* bias = nullptr;
  uint8_t activation = kActNone;  // epilogue_span.h
  float* y = nullptr;             // [batch, rows]
};

// Batch 1: x zero-padded to whole groups (N:M) / block columns; writes the raw sums (no bias or
// activation: the caller applies them, epilogueRowsInPlace) y[r] for rows [r0, r1) (N:M) or the rows
// of block rows [r0, r1) (block).
// Batched: xt = first of `tiles` transposed tiles ([colsPadded][16] each, tileStride floats apart),
// holding batch rows b0 .. b0 + batch; writes y rows of those batch rows, bias and activation applied.
// N:M requires m <= 16 and 16 % n == 0 (AVX-512) / 8 % n == 0 (AVX2). Block requires 4 x 1 blocks.
void nmVecAvx512(const SparseSimdArgs& a, const float* x, std::size_t r0, std::size_t r1);
void nmVecAvx2(const SparseSimdArgs& a, const float* x, std::size_t r0, std::size_t r1);
void blockVecAvx512(const SparseSimdArgs& a, const float* x, std::size_t br0, std::size_t br1);
void blockTilesAvx512(const SparseSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                      std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1);
void blockVecAvx2(const SparseSimdArgs& a, const float* x, std::size_t br0, std::size_t br1);
void blockTilesAvx2(const SparseSimdArgs& a, const float* xt, std::size_t tileStride, std::size_t tiles,
                    std::size_t batch, std::size_t b0, std::size_t br0, std::size_t br1);

}  // namespace cpu
}  // namespace gsparse
