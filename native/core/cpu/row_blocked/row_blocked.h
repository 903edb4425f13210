// Row-blocked copy of a sparse matrix for the AVX-512 / AVX2 batched kernels (row_blocked_isa.h),
// shared by the CSR, N:M and GS formats at batch >= rowBlockedMinBatch(). Output rows go in chunks of
// kRbChunkRows whose accumulators stay in L1; inside a chunk, nonzeros are bucketed by block of
// kRbBlockCols columns so one block's X^T slice stays in L1 while all the chunk's rows use it; rows
// are re-ordered per block by count and interleaved kRbLanes at a time (little padding).
// Each format only enumerates its nonzeros as (output row, column, value); the layout, the cache in
// PackedMatrix::kernelCache and the driver are one piece here. The copy is fp32 + a uint16 in-block
// offset per entry (~6 bytes per nonzero), built once per matrix on first use.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "../spmm_common.h"
#include "gsparse/errors.h"
#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/storage.h"
#include "row_blocked_isa.h"

namespace gsparse {
namespace cpu {

struct RowBlocked {
  std::size_t rows = 0, cols = 0, chunks = 0;
  uint32_t nBlocks = 0, slots = 0;
  AlignedVec<float> val;  // aligned allocations: huge pages when large (storage.h)
  AlignedVec<uint16_t> off;
  std::vector<uint32_t> ptr;
  std::vector<uint8_t> lane;
  std::vector<uint64_t> prefix;  // chunks + 1: entries before each chunk (thread split)
  // The arrays it was built from (a copied matrix with new arrays rebuilds its own).
  const void* from[3] = {};
  std::size_t sizes[3] = {};

  RowBlockedArgs args() const {
    RowBlockedArgs a;
    a.val = val.data(), a.off = off.data(), a.ptr = ptr.data(), a.lane = lane.data();
    a.nBlocks = nBlocks, a.slots = slots;
    return a;
  }
};

// Whether the copy can hold w: slot offsets are uint32 in units of kRbLanes entries (padding adds at
// most ~kRbLanes x).
inline bool rowBlockedFits(const PackedMatrix& w, uint32_t = 0) { return w.values.size() <= UINT32_MAX / 2; }

// Smallest batch that takes the row-blocked kernel (env GSPARSE_ROW_BLOCKED_MIN_BATCH overrides; 0 = never).
std::size_t rowBlockedMinBatch();

// Y = act(X W^T + bias) for every batch row of `a` through the copy (y has rb.rows rows) with the
// ISA's chunk kernel and epilogue.
void spmmRowBlocked(const RowBlocked& rb, const MatmulArgs& a, const RowBlockedIsa& isa);

namespace detail {
struct RbEntry {
  uint32_t row, col;
  float value;
};
// Lays out entries already grouped by chunk (chunkStart: chunks + 1 offsets into e).
void layoutRowBlocked(RowBlocked& rb, const std::vector<RbEntry>& e, const std::vector<std::size_t>& chunkStart);
}  // namespace detail

// Builds the copy of w from forEach(emit), which calls emit(row, col, value) once per stored entry
// (any order). Zeros the format stores as weights (N:M, block) are kept, so they multiply x as in the
// other kernels; formats with padding entries (GS) leave those out. Null when the matrix is too large for the copy's 32-bit slot offsets.
template <class ForEach>
std::shared_ptr<const RowBlocked> buildRowBlocked(const PackedMatrix& w, ForEach&& forEach) {
  if (!rowBlockedFits(w)) return nullptr;
  auto rb = std::make_shared<RowBlocked>();
  rb->rows = w.rows, rb->cols = w.cols;
  rb->chunks = (w.rows + kRbChunkRows - 1) / kRbChunkRows;
  rb->from[0] = w.values.rawData(), rb->from[1] = w.indices.rawData(), rb->from[2] = w.ptr.data();
  rb->sizes[0] = w.values.size(), rb->sizes[1] = w.indices.size(), rb->sizes[2] = w.ptr.size();
  // Counting sort of the entries by chunk: count, then place.
  std::vector<std::size_t> start(rb->chunks + 1, 0);
  forEach([&](uint32_t row, uint32_t, float) { ++start[row / kRbChunkRows + 1]; });
  for (std::size_t c = 0; c < rb->chunks; ++c) start[c + 1] += start[c];
  std::vector<detail::RbEntry> e(start.back());
  std::vector<std::size_t> fill(start.begin(), start.end() - 1);
  forEach([&](uint32_t row, uint32_t col, float v) { e[fill[row / kRbChunkRows]++] = detail::RbEntry{row, col, v}; });
  detail::layoutRowBlocked(*rb, e, start);
  return rb;
}

// What w.kernelCache holds: the row-blocked copy of each level built so far (null: not yet). The copy
// buckets entries by column block, so a nested level cannot be a prefix of it: one copy per level, each
// built on the first batched call at that level (docs/nested.md, Memory).
struct RowBlockedLevels {
  std::vector<std::shared_ptr<const RowBlocked>> level;
};

// w's copy of `level` if it was built from w's current arrays, else null.
std::shared_ptr<const RowBlocked> builtRowBlocked(const PackedMatrix& w, uint32_t level = 0);

// The copy of `level` cached in w.kernelCache, built with buildRowBlocked(w, forEach) on first use (null:
// too large); forEach must emit that level's entries.
template <class ForEach>
std::shared_ptr<const RowBlocked> cachedRowBlocked(const PackedMatrix& w, uint32_t level, ForEach&& forEach) {
  if (auto rb = builtRowBlocked(w, level)) return rb;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (auto rb = builtRowBlocked(w, level)) return rb;
  std::shared_ptr<const RowBlocked> built = buildRowBlocked(w, forEach);
  if (!built) return nullptr;
  // Publish a new set with this level added (readers hold the old one; stale copies fail the match).
  auto next = std::make_shared<RowBlockedLevels>();
  const auto old = std::static_pointer_cast<const RowBlockedLevels>(std::atomic_load(&w.kernelCache));
  if (old) next->level = old->level;
  next->level.resize(std::max<std::size_t>(next->level.size(), w.levelCount()));
  next->level[level] = built;
  std::atomic_store(&w.kernelCache, std::shared_ptr<const void>(std::move(next)));
  return built;
}

// Runs `a` through the row-blocked copy of w at a.level (built on first use) with the ISA's kernel and
// epilogue. The kernel table selects it only where rowBlockedFits(w).
template <class ForEach>
void runRowBlocked(const PackedMatrix& w, const MatmulArgs& a, const RowBlockedIsa& isa, ForEach&& forEach) {
  const std::shared_ptr<const RowBlocked> rb = cachedRowBlocked(w, a.level, forEach);
  if (!rb) fail(ErrorCode::Internal, "runRowBlocked: matrix too large for the row-blocked copy");
  spmmRowBlocked(*rb, a, isa);
}

// emit(row, col, value): one stored entry of a format, for the copy.
using RowBlockedEmit = std::function<void(uint32_t, uint32_t, float)>;

// The kernel-table row of a format's row-blocked kernel with ISA tables K: runRowBlocked, the copy
// built from ForEach(view of w, emit), which emits every stored entry.
template <const RowBlockedIsa& K, void (*ForEach)(const PackedView&, const RowBlockedEmit&)>
void rowBlockedRun(const PackedMatrix& w, const MatmulArgs& a) {
  runRowBlocked(w, a, K, [v = packedView(w, a.level)](const auto& emit) { ForEach(v, emit); });
}

// The rows (kernel_table.h) a format with a row-blocked copy ends its list with, after its own rows
// (which take precedence): the row-blocked kernels, AVX-512 (4 rows x 64 batch columns per slot) and
// AVX2 (4 x 16), from batch 2 (and rowBlockedMinBatch()) where the copy holds w, for the index widths
// in rbWidths (forEach emits the format's entries); then the portable rows (op1, opN, portable: as
// GSPARSE_PORTABLE_ROWS).
#define GSPARSE_SPARSE_ROWS(format, KIND, DT, dt, rbWidths, forEach, op1, opN, portable)                               \
  {format "_" dt "_rb4x64__avx512", Kind::KIND, DType::DT, rbWidths, Isa::Avx512, 2, kAnyBatch, true, rowBlockedFits,  \
   rowBlockedRun<kRowBlockedAvx512, forEach>},                                                                         \
      {format "_" dt "_rb4x16__avx2", Kind::KIND, DType::DT, rbWidths, Isa::Avx2, 2, kAnyBatch, true, rowBlockedFits,  \
       rowBlockedRun<kRowBlockedAvx2, forEach>},                                                                       \
      GSPARSE_PORTABLE_ROWS(format, KIND, DT, dt, op1, opN, portable)

}  // namespace cpu
}  // namespace gsparse
