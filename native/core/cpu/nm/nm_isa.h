// The N:M family's ISA kernels, defined by nm/spmm_nm_avx2.cc and _avx512.cc (body in
// nm_vec_simd.h). Plain declarations only (see kernel_table.h on the ISA tables).
#pragma once
#include "../row_dots_isa.h"

namespace gsparse {
namespace cpu {

// Batch 1, x zero-padded to whole groups. Requires m <= 16 and W % n == 0 (W = 16 AVX-512, 8 AVX2).
extern const RowDotsIsa kNmAvx2, kNmAvx512;

}  // namespace cpu
}  // namespace gsparse
