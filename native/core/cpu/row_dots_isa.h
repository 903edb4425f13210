// The ISA table of a batch-1 row kernel (CSR, N:M: csr/csr_isa.h, nm/nm_isa.h): raw row dot products,
// then the ISA's vector epilogue over them in place. Plain declarations only (see kernel_table.h on
// the ISA tables).
#pragma once
#include <cstddef>

#include "epilogue.h"
#include "packed_view.h"

namespace gsparse {
namespace cpu {

// out[r - r0] = dot(row r of w, x) for rows [r0, r1), before bias and activation.
using RowDotsFn = void (*)(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* out);

struct RowDotsIsa {
  RowDotsFn dots;
  EpilogueSpanFn epilogue;  // the ISA's vector epilogue, applied to the dots in place
};

}  // namespace cpu
}  // namespace gsparse
