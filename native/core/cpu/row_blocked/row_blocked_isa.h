// The row-blocked copy's layout and its ISA kernels: the table RowBlockedIsa that
// row_blocked/row_blocked_avx2.cc and _avx512.cc define (bodies in row_blocked_simd.h). Plain
// declarations only (see kernel_table.h on the ISA tables).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../epilogue.h"

namespace gsparse {
namespace cpu {

// Rows per chunk and columns per block of the row-blocked copy (row_blocked.h). A chunk's
// accumulators (128 rows x 64 batch columns, 32 KiB) and one block's X^T slice (128 columns x 64,
// 32 KiB) are what the kernel keeps near; measured on 4096x4096 at 10% and 50% density, 1 thread:
// 128 x 128 ran 72-76 GFLOP/s of nonzeros, 64 x 96..192 and 256 x 128 within noise, 32-row chunks
// ~45, no column blocking ~40-44.
constexpr std::size_t kRbChunkRows = 128;
constexpr std::size_t kRbBlockCols = 128;
// Rows interleaved per slot: 4 rows x 4 tiles = 16 independent FMA chains.
constexpr std::size_t kRbLanes = 4;

// X^T as the kernel reads it. Batch tiles of 16 go in groups of nt = 4, 2 or 1 (as many 4s as fit,
// then a 2, then a 1), and a group interleaves its tiles column by column so one column's nt * 64
// bytes are contiguous: in column blocks of kRbBlockCols columns, each followed by one zero column
// (what padding entries point at), in-block column j of block k, tile h sits at
// ((k * (kRbBlockCols + 1) + j) * nt + h) * 16 floats from the group's start.
// A block of one tile is kRbBlockFloats floats (nt * kRbBlockFloats per group).
constexpr std::size_t kRbBlockFloats = (kRbBlockCols + 1) * 16;

// Tiles in the group that starts with `left` tiles still to do (the grouping above).
constexpr std::size_t rowBlockedGroupTiles(std::size_t left) { return left >= 4 ? 4 : left >= 2 ? 2 : 1; }

// One chunk of the copy. Slot s = (chunk * nBlocks + block) * slots + q holds kRbLanes chunk rows
// lane[s * kRbLanes + i] and their entries in [ptr[s], ptr[s + 1]) (units of kRbLanes entries):
// entry e of row i is val[e * kRbLanes + i] times the block's X^T column at byte offset
// off[e * kRbLanes + i] (in-block column * 64). Rows with fewer entries are padded with value 0 at
// the block's zero column, so padding never turns an Inf in x into a NaN.
struct RowBlockedArgs {
  const float* val = nullptr;
  const uint16_t* off = nullptr;
  const uint32_t* ptr = nullptr;
  const uint8_t* lane = nullptr;
  uint32_t nBlocks = 0, slots = 0;
};

// acc[row * 64 + h * 16 + j] += sum over the chunk's entries of value * X^T[col][j] of tile h of
// the group of nt (1, 2 or 4) tiles at xg (layout above), for every row of `chunk`.
// acc: kRbChunkRows * 64 floats, xg: 64-byte aligned.
using RowBlockedChunkFn = void (*)(const RowBlockedArgs& args, std::size_t chunk, std::size_t nt, const float* xg,
                                   float* acc);

// Stages one batch tile's slice of X^T: dst[c * stride + j] = x[j * cols + c] for j < width (<= 16 batch
// rows), c < nc (block columns); dst slots past width / nc are left as they are.
using RowBlockedStageFn = void (*)(const float* x, std::size_t cols, std::size_t width, std::size_t nc, float* dst,
                                   std::size_t stride);

// One ISA's pieces of the row-blocked path: X^T staging, the chunk kernel, and the epilogue that stores a
// chunk's accumulators (a strided span per batch column) into Y.
struct RowBlockedIsa {
  RowBlockedStageFn stage;
  RowBlockedChunkFn chunk;
  EpilogueSpanFn store;
};
extern const RowBlockedIsa kRowBlockedAvx2, kRowBlockedAvx512;

}  // namespace cpu
}  // namespace gsparse
