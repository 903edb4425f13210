// Internal to native/core/formats: the per-format operation table and the helpers the formats share
// (overflow-safe sizes, structural checks). Not a public header.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gsparse/errors.h"
#include "gsparse/packed_matrix.h"

namespace gsparse {
namespace formats {

// ---- sizes ---------------------------------------------------------------------------------------

// a * b saturating at UINT64_MAX. No array can hold UINT64_MAX entries, so a size check against a
// saturated product fails instead of passing on a wrapped-around small number.
inline uint64_t mulSat(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

inline uint64_t ceilDiv(uint64_t a, uint64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

// Converts an entry count to a uint32 pointer value; RangeError when the format cannot address it.
uint32_t toPtrValue(uint64_t count, const std::string& what);

// ---- pack ----------------------------------------------------------------------------------------

// The already checked input of pack(): pattern valid, shape >= 1x1, every value finite (and
// representable in the dtype).
struct DenseInput {
  const float* data;
  uint32_t rows, cols;
  Pattern pattern;
  DType dtype;

  const float* row(uint32_t r) const { return data + static_cast<std::size_t>(r) * cols; }
};

// v as the dtype stores it (fp16 rounding), for decisions that must match the stored values.
inline float storedValue(float v, DType dtype) { return dtype == DType::F16 ? halfToFloat(floatToHalf(v)) : v; }

// A PackedMatrix with the shape, pattern and dtype of `in` and every array empty.
PackedMatrix emptyLike(const DenseInput& in);

// ---- validate (every failure is ErrorCode::Corrupt) ----------------------------------------------

// `what` has exactly `expected` entries.
void requireSize(std::size_t actual, uint64_t expected, const char* what);
// Formats without indices keep the default (empty, 4-byte) IndexArray.
void requireNoIndices(const IndexArray& indices);
void requireIndexWidth(const IndexArray& indices, unsigned expected);
// ptr has segments+1 entries, starts at 0 and never decreases; returns the last entry (the count).
uint64_t requirePtr(const std::vector<uint32_t>& ptr, uint64_t segments, const char* what);
// indices[begin, end) are strictly increasing and below `bound`.
void requireSortedBelow(const IndexArray& indices, std::size_t begin, std::size_t end, uint64_t bound,
                        const char* what);

// Checks that lists of indices hold no repeats: with a per-index stamp (O(list)) when the index range
// is not much larger than the data, else by sorting (no allocation proportional to an untrusted bound).
class RepeatFinder {
 public:
  RepeatFinder(uint64_t bound, std::size_t entries) {
    if (bound <= entries) stamp_.assign(bound, 0);
  }
  // Every entry of `list` is below the bound; the list may be reordered.
  bool hasRepeat(std::vector<uint32_t>& list);

 private:
  std::vector<uint32_t> stamp_;
  uint32_t epoch_ = 0;
};

// ---- nested levels (docs/formats.md, Nested levels) ----------------------------------------------

// The level fields: none, or levelSparsity valid (2..kMaxLevels, strictly ascending in [0, 1)),
// levelEnds of (L-1) * segments entries, and the ends of every segment within its bounds and ordered
// (nm: strictly decreasing, and levelSparsity[k] = 1 - n_k/m). A format calls it once its ptr is
// valid, before it walks the runs of its segments.
void requireLevels(const PackedMatrix& m, uint64_t segments);

// RangeError unless level < m.levelCount().
void requireLevelIndex(const PackedMatrix& m, uint32_t level);

// Calls f(begin, end) for every run of segment s, sparsest level first: [start, end_{L-1}), then
// [end_k, end_{k-1}) for k = L-1..1. A plain matrix has the one run [start, levelEnd(0, s)).
// Needs requireLevels() to have passed.
template <class F>
void forEachRun(const PackedMatrix& m, std::size_t s, uint32_t start, F&& f) {
  uint32_t begin = start;
  for (uint32_t k = m.levelCount(); k-- > 0;) {
    const uint32_t end = m.levelEnd(k, s);
    f(begin, end);
    begin = end;
  }
}

// csr/block, nested: the runs of a segment (each sorted, below `bound`) share no index. Nothing to
// check in a plain matrix, whose one sorted run per segment has no repeat.
void requireDistinctAcrossRuns(const PackedMatrix& m, uint64_t bound, const char* what);

// ---- the per-format table ------------------------------------------------------------------------

// One entry per Kind. The shared entry points (format_table.cc) do the checks common to all formats
// (pattern, shape, finiteness, zero-filling the output of toDense) and then call these.
struct FormatOps {
  PackedMatrix (*pack)(const DenseInput& in);
  // Adds every stored value of level `level` (0: all of them) onto `out` (rows*cols, zeroed by the caller).
  void (*accumulate)(const PackedMatrix& m, uint32_t level, float* out);
  // Format-specific structure: array sizes, index width and range, ordering, padding.
  void (*validate)(const PackedMatrix& m);
};

extern const FormatOps kDenseOps;
extern const FormatOps kCsrOps;
extern const FormatOps kBlockOps;
extern const FormatOps kNMOps;
extern const FormatOps kGSOps;
extern const FormatOps kChannelOps;

}  // namespace formats
}  // namespace gsparse
