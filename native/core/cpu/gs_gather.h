// Interface of the ISA-specific GS gather kernels (spmm_gs_avx2.cc, spmm_gs_avx512.cc).
// Deliberately free of std containers and inline library code: those files are compiled with
// -mavx2/-mavx512*, and an inline function emitted there could be the copy the linker keeps for
// the generic code, which would then fault on CPUs without the ISA.
#pragma once
#include <cstddef>
#include <cstdint>

namespace gsparse {
namespace cpu {

// One GS matrix seen by a batch-1 gather kernel.
struct GsGatherArgs {
  const void* values = nullptr;  // packs * banks, fp32 or fp16 (f16 true)
  bool f16 = false;
  const void* indices = nullptr;  // packs * banks column indices, uint16 or uint32 (indexWidth 2 or 4)
  unsigned indexWidth = 4;
  const uint32_t* ptr = nullptr;  // groups + 1 pack offsets
  uint32_t banks = 0, perRow = 0;
  const float* x = nullptr;  // [cols]; every index is < cols
};

// Computes the raw dot product of every row of groups [g0, g1): rowSums[(g - g0) * R + r] for group
// row r (R = banks / perRow), before bias, activation and the row mapping.
using GsGatherFn = void (*)(const GsGatherArgs& args, std::size_t g0, std::size_t g1, float* rowSums);

// Small-batch gather (batch 2..crossover) from row-major x (args.x, rows xStride floats apart):
// rowSums[b * ((g1 - g0) * R) + (g - g0) * R + r] for b < nb. Packs are loaded once for all nb rows.
using GsGatherBatchFn = void (*)(const GsGatherArgs& args, std::size_t xStride, std::size_t nb, std::size_t g0,
                                 std::size_t g1, float* rowSums);

// Requires banks % 8 == 0 and indexWidth 2 or 4.
void gsGatherBatchAvx2(const GsGatherArgs& args, std::size_t xStride, std::size_t nb, std::size_t g0, std::size_t g1,
                       float* rowSums);
// Requires banks % 16 == 0 and indexWidth 2 or 4.
void gsGatherBatchAvx512(const GsGatherArgs& args, std::size_t xStride, std::size_t nb, std::size_t g0,
                         std::size_t g1, float* rowSums);

// CSR rows seen by the ISA kernels (spmm_csr_avx2.cc, spmm_csr_avx512.cc); indexWidth 2 or 4.
struct CsrSimdArgs {
  const void* values = nullptr;  // fp32 or fp16 (f16 true)
  bool f16 = false;
  const void* indices = nullptr;
  unsigned indexWidth = 4;
  const uint32_t* ptr = nullptr;  // rows + 1
};
// Batch 1: out[r - r0] = raw dot(row r, x) for r in [r0, r1) (gathers x[col], 16 or 8 nonzeros at a time).
void csrVecAvx512(const CsrSimdArgs& args, const float* x, std::size_t r0, std::size_t r1, float* out);
void csrVecAvx2(const CsrSimdArgs& args, const float* x, std::size_t r0, std::size_t r1, float* out);
// Requires banks % 8 == 0 and indexWidth 2 or 4.
void gsGatherAvx2(const GsGatherArgs& args, std::size_t g0, std::size_t g1, float* rowSums);
// Requires banks % 16 == 0 and indexWidth 2 or 4.
void gsGatherAvx512(const GsGatherArgs& args, std::size_t g0, std::size_t g1, float* rowSums);

}  // namespace cpu
}  // namespace gsparse
