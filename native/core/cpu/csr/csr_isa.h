// Interface of the ISA-specific CSR kernels (spmm_csr_avx2.cc, spmm_csr_avx512.cc). Free of std
// containers and inline library code for the reason given in gs_isa.h.
#pragma once
#include <cstddef>

#include "../packed_view.h"

namespace gsparse {
namespace cpu {

// CSR batch 1 (indexWidth 2 or 4): out[r - r0] = raw dot(row r, x) for r in [r0, r1) (gathers
// x[col], 16 or 8 nonzeros at a time).
void csrVecAvx512(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* out);
void csrVecAvx2(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* out);

}  // namespace cpu
}  // namespace gsparse
