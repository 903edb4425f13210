// The dense family's kernel for its two formats: dense (spmm_dense.cc) and the kept rows of channel
// (spmm_channel.cc).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../packed_view.h"
#include "gsparse/hardware.h"
#include "gsparse/kernels.h"

namespace gsparse {
namespace cpu {

// Dense rows [nRows, w.cols] of w.values: output row i goes to y row rowIds[i] (rowIds null: row i)
// of a y with yRows rows, with the packed micro-kernels of `isa` (Scalar: the portable loops, which
// also take empty shapes).
void denseRows(const PackedView& w, std::size_t nRows, const uint32_t* rowIds, std::size_t yRows,
               const MatmulArgs& a, Isa isa);

}  // namespace cpu
}  // namespace gsparse
