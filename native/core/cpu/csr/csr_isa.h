// The CSR family's ISA kernels, defined by csr/spmm_csr_avx2.cc and _avx512.cc (body in
// csr_vec_simd.h). Plain declarations only (see kernel_table.h on the ISA tables).
#pragma once
#include "../row_dots_isa.h"

namespace gsparse {
namespace cpu {

// Batch 1 (indexWidth 2 or 4): gathers x[col], W nonzeros at a time.
extern const RowDotsIsa kCsrAvx2, kCsrAvx512;

}  // namespace cpu
}  // namespace gsparse
