// Interface of the ISA-specific GS gather kernels (spmm_gs_avx2.cc, spmm_gs_avx512.cc).
// Deliberately free of std containers and inline library code: those files are compiled with
// -mavx2/-mavx512*, and an inline function emitted there could be the copy the linker keeps for
// the generic code, which would then fault on CPUs without the ISA.
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

// Requires banks % 8 == 0 and indexWidth 2 or 4.
void gsGatherBatchAvx2(const PackedView& w, const float* x, std::size_t xStride, std::size_t nb, std::size_t g0,
                       std::size_t g1, float* rowSums);
// Requires banks % 16 == 0 and indexWidth 2 or 4.
void gsGatherBatchAvx512(const PackedView& w, const float* x, std::size_t xStride, std::size_t nb, std::size_t g0,
                         std::size_t g1, float* rowSums);

// Requires banks % 8 == 0 and indexWidth 2 or 4.
void gsGatherAvx2(const PackedView& w, const float* x, std::size_t g0, std::size_t g1, float* rowSums);
// Requires banks % 16 == 0 and indexWidth 2 or 4.
void gsGatherAvx512(const PackedView& w, const float* x, std::size_t g0, std::size_t g1, float* rowSums);

}  // namespace cpu
}  // namespace gsparse
