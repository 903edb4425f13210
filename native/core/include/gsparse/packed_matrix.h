// The packed sparse matrix shared by every format, and the per-format operations on it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "gsparse/pattern.h"
#include "gsparse/storage.h"

namespace gsparse {

// W is [rows, cols] = [out, in], row-major. What each array holds depends on pattern.kind:
//   dense    values rows*cols
//   csr      ptr rows+1 (offsets into values/indices), indices = column, sorted within a row
//   block    ptr blockRowCount+1 (block offsets), indices = block column (sorted within a block row),
//            values R*C per block, row-major inside the block; entries outside the matrix are 0
//   nm       values/indices rows * ceil(cols/m) * n; index = offset inside the group of m columns,
//            increasing inside a group; a partial last group narrower than n pads with value 0
//   gs       ptr groups+1 (pack offsets); values/indices packs*B; lane l of a pack belongs to row l/E
//            of its group; lanes of a pack sit in distinct banks (column mod B) when cols >= B;
//            padding lanes hold value 0; permute: rowIds[g*R + r] = original row of group row r,
//            kNoRow for the virtual rows of a partial last group
//   channel  values rowIds.size()*cols (the kept rows, dense); rowIds ascending
//
// Nested levels (docs/formats.md, Nested levels): levelSparsity empty is a plain matrix. Else it holds
// L = 2..kMaxLevels target sparsities, strictly ascending in [0, 1); level 0 (the densest) is the whole
// matrix and every level k is a prefix of each segment (levelSegments()), ending at levelEnd(k, s):
//   csr/block/gs  segment = row / block row / group; levelEnds[(k-1)*segments + s] for k >= 1, with
//                 ptr[s] <= end_{L-1} <= ... <= end_1 <= end_0 = ptr[s+1]
//   nm            one segment: levelEnds[k-1] = n_k, the slots of each group level k uses (stride n);
//                 n = n_0 > n_1 > ... >= 1, and levelSparsity[k] = 1 - n_k/m
//   channel       one segment: levelEnds[k-1] = count_k, the kept rows level k uses (non-increasing)
// Inside a segment the entries are runs, sparsest level first: [level L-1's][what level L-2 adds]...
// [what level 0 adds]; each run keeps the order above (csr/block/nm indices increasing, channel rowIds
// ascending) and no index repeats across runs. GS permute: rowIds is shared by all levels.
struct PackedMatrix {
  static constexpr uint32_t kNoRow = 0xffffffffu;
  static constexpr uint32_t kMaxLevels = 16;

  Pattern pattern;
  uint32_t rows = 0, cols = 0;
  ValueArray values;
  IndexArray indices;
  std::vector<uint32_t> ptr;
  std::vector<uint32_t> rowIds;
  std::vector<double> levelSparsity;  // empty: a plain matrix; else the levels' target sparsities
  std::vector<uint32_t> levelEnds;    // levels 1..L-1 (level 0's ends are ptr[1..], n, rowIds.size())
  // Kernel-private data derived from the arrays above (today: the row-blocked copy of
  // cpu/row_blocked.h, ~6 bytes per nonzero; its size: kernelCacheBytes() in kernels.h), built
  // lazily on first use, read and published with std::atomic_load/store. Not serialized, not part of the matrix's value; copies share it, so its owner records which
  // arrays (data pointers and sizes) it was built from and rebuilds on a mismatch. Arrays mutated
  // in place after a matmul would need kernelCache.reset().
  mutable std::shared_ptr<const void> kernelCache;

  DType dtype() const { return values.dtype(); }
  // Bytes of all arrays: what a kernel streams and what serialize stores (less its header and, when
  // nested, the level header and levelSparsity).
  std::size_t byteSize() const {
    return values.byteSize() + indices.byteSize() + 4 * (ptr.size() + rowIds.size() + levelEnds.size());
  }
  // Sparsity levels: 1 for a plain matrix.
  uint32_t levelCount() const { return levelSparsity.empty() ? 1u : static_cast<uint32_t>(levelSparsity.size()); }
  // Segments whose ends the levels move: ptr.size() - 1 for csr, block and gs; 1 for nm and channel.
  std::size_t levelSegments() const { return ptr.empty() ? 1 : ptr.size() - 1; }
  // Where level k ends in segment s (not for dense): csr/block/gs an entry offset (ptr[s + 1] at level
  // 0), nm the slots used in each group (n at level 0), channel the kept rows used (all at level 0).
  uint32_t levelEnd(uint32_t level, std::size_t s) const {
    if (level > 0) return levelEnds[(level - 1) * levelSegments() + s];
    if (pattern.kind == Kind::NM) return pattern.n;
    if (pattern.kind == Kind::Channel) return static_cast<uint32_t>(rowIds.size());
    return ptr[s + 1];
  }
  // Stored values that are nonzero: padding and explicit zeros excluded.
  uint64_t nonzeros() const;
  // GS only: number of groups, R rows each (the last one may be partial).
  uint32_t gsGroups() const { return (rows + pattern.groupRows() - 1) / pattern.groupRows(); }
};

// Packs a dense matrix whose zeros are the pruned entries. RangeError (expected vs actual) when it
// does not have the pattern (N:M group with too many nonzeros, GS group that has no bank-distinct
// pack decomposition). Non-finite values are a RangeError.
PackedMatrix pack(const float* dense, uint32_t rows, uint32_t cols, const Pattern& pattern, DType dtype);

// RangeError naming the first weight that is not finite, or not finite once stored as `dtype`.
void requireStorable(const float* w, std::size_t count, DType dtype);

// Writes the rows*cols dense matrix (every entry written); of a nested matrix, its densest level.
void toDense(const PackedMatrix& m, float* out);

// Checks every structural invariant listed above; ErrorCode::Corrupt naming the first one broken.
// After it passes, no kernel can read or write out of bounds.
void validate(const PackedMatrix& m);

}  // namespace gsparse
