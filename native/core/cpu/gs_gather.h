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

// Broadcast-FMA over one transposed batch tile (batch > 1): xt is [cols][16] (X^T of 16 batch
// rows, see XView); writes tile[r * 16 + j], the raw sum of group row r for tile column j, for the
// R = banks / perRow rows of group g. Each nonzero w at column c does acc[row] += w * xt[c][0..16)
// with the group's rows held in vector registers. Requires R <= 64.
using GsTileFn = void (*)(const GsGatherArgs& args, std::size_t g, const float* xt, float* tile);

// Small-batch gather (batch 2..crossover) from row-major x (args.x, rows xStride floats apart):
// rowSums[b * ((g1 - g0) * R) + (g - g0) * R + r] for b < nb. Packs are loaded once for all nb rows.
using GsGatherBatchFn = void (*)(const GsGatherArgs& args, std::size_t xStride, std::size_t nb, std::size_t g0,
                                 std::size_t g1, float* rowSums);

// Requires banks % 8 == 0 and indexWidth 2 or 4.
void gsTileAvx2(const GsGatherArgs& args, std::size_t g, const float* xt, float* tile);
void gsGatherBatchAvx2(const GsGatherArgs& args, std::size_t xStride, std::size_t nb, std::size_t g0, std::size_t g1,
                       float* rowSums);
// Requires banks % 16 == 0 and indexWidth 2 or 4.
void gsTileAvx512(const GsGatherArgs& args, std::size_t g, const float* xt, float* tile);
// Same for nt = 2 or 4 tiles at once (16 / nt lanes x nt tiles of accumulators): each weight
// broadcast serves nt FMAs. xt[h], tile[h]: tile h.
using GsTileMultiFn = void (*)(const GsGatherArgs& args, std::size_t g, std::size_t nt, const float* const* xt,
                               float* const* tile);
void gsTileMultiAvx512(const GsGatherArgs& args, std::size_t g, std::size_t nt, const float* const* xt,
                       float* const* tile);
void gsGatherBatchAvx512(const GsGatherArgs& args, std::size_t xStride, std::size_t nb, std::size_t g0,
                         std::size_t g1, float* rowSums);

// Column-blocked GS copy (built in spmm_gs.cc): for group g, column block k and lane slot s of NL
// lanes (NL = lanesPer, 8 or 4), the NL-lane packs [off[i], off[i+1]) with i = (g * nBlocks + k) *
// slots + s; pack q holds val[q*NL+j] and xoff[q*NL+j] = column * 16 for lane
// lane[(g * nBlocks + k) * slots * NL + s*NL + j] (lanes sorted by count to cut padding; padding:
// value 0, a column in range).
struct GsKBlockArgs {
  const float* val = nullptr;
  const uint32_t* xoff = nullptr;
  const uint32_t* off = nullptr;
  const uint8_t* lane = nullptr;
  uint32_t nBlocks = 0, slots = 0, lanesPer = 8;
};
// acc[lane * nt*16 + h*16 + j] += sum over block k of group g of w * xt[h][col*16 + j] for the nt
// X^T tiles xt[0..nt), every lane of the group. nt * lanesPer == 16.
void gsTileKBlockAvx512(const GsKBlockArgs& args, std::size_t g, std::size_t k, const float* const* xt, float* acc);

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
// Batch tile: tile[i * 16 + j] = raw sum of row r0 + i over tile column j, for i < nr (xt as GsTileFn).
void csrTileAvx512(const CsrSimdArgs& args, std::size_t r0, std::size_t nr, const float* xt, float* tile);
void csrTileAvx2(const CsrSimdArgs& args, std::size_t r0, std::size_t nr, const float* xt, float* tile);
// Same for nt = 2 or 4 tiles at once (xt[h], tile[h]: tile h); each weight broadcast serves nt FMAs.
void csrTileMultiAvx512(const CsrSimdArgs& args, std::size_t r0, std::size_t nr, std::size_t nt,
                        const float* const* xt, float* const* tile);
// Requires banks % 8 == 0 and indexWidth 2 or 4.
void gsGatherAvx2(const GsGatherArgs& args, std::size_t g0, std::size_t g1, float* rowSums);
// Requires banks % 16 == 0 and indexWidth 2 or 4.
void gsGatherAvx512(const GsGatherArgs& args, std::size_t g0, std::size_t g1, float* rowSums);

}  // namespace cpu
}  // namespace gsparse
