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
struct PackedMatrix {
  static constexpr uint32_t kNoRow = 0xffffffffu;

  Pattern pattern;
  uint32_t rows = 0, cols = 0;
  ValueArray values;
  IndexArray indices;
  std::vector<uint32_t> ptr;
  std::vector<uint32_t> rowIds;
  // Kernel-private data derived from the arrays above (today: the row-blocked copy of
  // cpu/row_blocked.h, ~6 bytes per nonzero; its size: kernelCacheBytes() in kernels.h), built
  // lazily on first use, read and published with std::atomic_load/store. Not serialized, not part of the matrix's value; copies share it, so its owner records which
  // arrays (data pointers and sizes) it was built from and rebuilds on a mismatch. Arrays mutated
  // in place after a matmul would need kernelCache.reset().
  mutable std::shared_ptr<const void> kernelCache;

  DType dtype() const { return values.dtype(); }
  // Bytes of all arrays: what a kernel streams and what serialize stores (less its header).
  std::size_t byteSize() const { return values.byteSize() + indices.byteSize() + 4 * (ptr.size() + rowIds.size()); }
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

// Writes the rows*cols dense matrix (every entry written).
void toDense(const PackedMatrix& m, float* out);

// Checks every structural invariant listed above; ErrorCode::Corrupt naming the first one broken.
// After it passes, no kernel can read or write out of bounds.
void validate(const PackedMatrix& m);

}  // namespace gsparse
