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

// Requires banks % 8 == 0 and indexWidth 2 or 4.
void gsGatherAvx2(const GsGatherArgs& args, std::size_t g0, std::size_t g1, float* rowSums);
// Requires banks % 16 == 0 and indexWidth 2 or 4.
void gsGatherAvx512(const GsGatherArgs& args, std::size_t g0, std::size_t g1, float* rowSums);

}  // namespace cpu
}  // namespace gsparse
