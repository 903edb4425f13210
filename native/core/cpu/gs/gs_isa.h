// The GS family's ISA kernels: the table GsIsa that gs/spmm_gs_avx2.cc and _avx512.cc define (bodies
// in gs_gather_simd.h). Plain declarations only (see kernel_table.h on the ISA tables).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../packed_view.h"

namespace gsparse {
namespace cpu {

// Computes the raw dot product of every row of GS groups [g0, g1) of w with x ([cols]; every index
// is < cols): rowSums[(g - g0) * R + r] for group row r (R = banks / perRow), before bias,
// activation and the row mapping.
using GsGatherFn = void (*)(const PackedView& w, const float* x, std::size_t g0, std::size_t g1, float* rowSums);

// Small-batch gather (batch 2..crossover) from row-major x (rows xStride floats apart):
// rowSums[b * ((g1 - g0) * R) + (g - g0) * R + r] for b < nb. Packs are loaded once for all nb rows.
using GsGatherBatchFn = void (*)(const PackedView& w, const float* x, std::size_t xStride, std::size_t nb,
                                 std::size_t g0, std::size_t g1, float* rowSums);

// One ISA's GS kernels. Both require banks % W == 0 (W = 16 AVX-512, 8 AVX2) and indexWidth 2 or 4.
struct GsIsa {
  GsGatherFn gather;            // batch 1
  GsGatherBatchFn gatherBatch;  // batch 2..crossover
};
extern const GsIsa kGsAvx2, kGsAvx512;

}  // namespace cpu
}  // namespace gsparse
