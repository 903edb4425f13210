// Interface of the ISA-specific N:M and block kernels (spmm_nm_avx512.cc, spmm_nm_avx2.cc; the
// block kernels live in the same files, see spmm_block.cc). Plain structs and functions only:
// those files are compiled with -mavx2/-mavx512*, and an inline std function emitted there could be
// the copy the linker keeps for the generic code (see gs_gather.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "packed_view.h"

namespace gsparse {
namespace cpu {

// The matrix and the epilogue the N:M and block kernels apply as they store.
struct SparseSimdArgs {
  PackedView w;
  const float* bias = nullptr;
  int activation = 0;  // Activation: 0 none, 1 relu, 2 gelu
  float* y = nullptr;  // [batch, rows]
};

// Batch 1: x zero-padded to whole groups (N:M) / block columns; writes y[r] for rows [r0, r1)
// (N:M) or block rows [r0, r1) (block).
// Batched: xt = first of `tiles` transposed tiles ([colsPadded][16] each, tileStride floats apart),
// holding batch rows b0 .. b0 + batch; writes y rows of those batch rows.
// N:M requires m <= 16 (any n); vec requires 16 % n == 0 (AVX-512) / 8 % n == 0 (AVX2).
// Block requires C == 1 and R in {1, 2, 4, 8}.
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
