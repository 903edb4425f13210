// One packed matrix as every CPU kernel reads it: plain pointers and sizes, built once per call by
// packedView(w) (spmm_common.h), and the one dtype x index-width switch (withTypes). Free of std
// containers and library code, so the ISA files (-mavx2 / -mavx512*) take it too (see kernel_table.h).
#pragma once
#include <cstddef>
#include <cstdint>

namespace gsparse {
namespace cpu {

struct PackedView {
  const void* values = nullptr;  // fp32, or fp16 bits when f16
  bool f16 = false;
  const void* indices = nullptr;  // csr: columns; block: block columns; N:M: in-group offsets; gs: columns
  unsigned indexWidth = 0;        // 1, 2 or 4 bytes (the IndexArray's, also for formats without indices)
  const uint32_t* ptr = nullptr;  // csr: rows + 1; block: block rows + 1; gs: groups + 1 offsets
  // Where each segment (csr row, block row, gs group) ends at the level this view runs: segment s is
  // [ptr[s], end[s]). ptr + 1 for a plain matrix or level 0; a nested level's ends otherwise.
  const uint32_t* end = nullptr;
  const uint32_t* rowIds = nullptr;  // gs with permute, channel: output row of each stored row (else null)
  std::size_t rowIdCount = 0;        // channel: the rows the level uses (a prefix of rowIds)
  std::size_t rows = 0, cols = 0;
  std::size_t groups = 0;  // N:M: groups of m columns per row; gs: row groups
  uint32_t n = 0, m = 0;   // N:M: n slots stored per group of m columns (the stride)
  uint32_t nUsed = 0;      // N:M: the first nUsed slots of each group are the level's (n for level 0)
  uint32_t blockRows = 0, blockCols = 0;  // block
  uint32_t banks = 0, perRow = 0;         // gs
};

// Index widths a caller instantiates withTypes for (a mask of widths in bytes).
constexpr unsigned kWidths124 = 1 | 2 | 4, kWidths24 = 2 | 4;

// Calls f(const V* values) with V float, or uint16_t (fp16 bits).
template <class F>
inline void withValueType(const PackedView& w, F&& f) {
  if (w.f16) f(static_cast<const uint16_t*>(w.values));
  else f(static_cast<const float*>(w.values));
}

// Calls f(const V* values, const I* indices) with V as withValueType and I uint8_t / uint16_t /
// uint32_t by w.indexWidth, for the widths in Widths only (the kernel table's rows guarantee the
// width: a width outside Widths takes the widest one listed).
template <unsigned Widths = kWidths124, class F>
inline void withTypes(const PackedView& w, F&& f) {
  withValueType(w, [&](auto val) {
    if constexpr ((Widths & 1) != 0)
      if (w.indexWidth == 1 || Widths == 1) return f(val, static_cast<const uint8_t*>(w.indices));
    if constexpr ((Widths & 2) != 0)
      if (w.indexWidth == 2 || (Widths & 4) == 0) return f(val, static_cast<const uint16_t*>(w.indices));
    if constexpr ((Widths & 4) != 0) return f(val, static_cast<const uint32_t*>(w.indices));
  });
}

}  // namespace cpu
}  // namespace gsparse
