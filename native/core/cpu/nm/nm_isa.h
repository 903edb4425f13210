// Interface of the ISA-specific N:M kernels (nm/spmm_nm_avx512.cc, _avx2.cc). Free of std
// containers and inline library code for the reason given in gs/gs_isa.h.
#pragma once
#include <cstddef>

#include "../packed_view.h"

namespace gsparse {
namespace cpu {

// Batch 1: x zero-padded to whole groups; writes the raw sums y[r] = dot(row r, x) for rows [r0, r1)
// (no bias or activation: the caller applies them, epilogueRowsInPlace). Requires m <= 16 and
// 16 % n == 0 (AVX-512) / 8 % n == 0 (AVX2).
void nmVecAvx512(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* y);
void nmVecAvx2(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* y);

}  // namespace cpu
}  // namespace gsparse
