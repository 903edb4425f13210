// Internal to native/core/prune: nested levels (docs/formats.md, Nested levels) of the formats whose
// selection nests by itself (csr, block, channel, N:M). nested.cc decides each item's level,
// nested_layout.cc lays the items out level by level. GS has its own fill (prune_gs.cc).
#pragma once
#include <cstdint>
#include <vector>

#include "gsparse/packed_matrix.h"

namespace gsparse {
namespace prune_detail {

// An item's level: the sparsest level that holds it (every denser level holds it too), or kNotKept.
constexpr uint8_t kNotKept = 0xff;

// The last level k whose bound value beats (value < bounds[k]); bounds never increase with k (ranking
// cuts, or N:M's n_k against a rank), so the levels that hold the item are 0..k. kNotKept if none.
template <class T>
uint8_t levelOf(T value, const T* bounds, uint32_t levels) {
  uint8_t level = kNotKept;
  for (uint32_t k = 0; k < levels && value < bounds[k]; ++k) level = static_cast<uint8_t>(k);
  return level;
}

// Each builds the nested matrix (pattern, shape, arrays, levelEnds; levelSparsity left to the caller)
// from the level of every item: csr a weight (rows*cols), block a block of the grid (row-major),
// channel a row. A kept item whose weights are all 0 must come as kNotKept (as pack() drops it).
PackedMatrix layoutCsr(const float* w, const uint8_t* level, uint32_t rows, uint32_t cols, uint32_t levels,
                       DType dtype);
PackedMatrix layoutBlock(const float* w, const uint8_t* level, uint32_t rows, uint32_t cols, const Pattern& p,
                         uint32_t levels, DType dtype);
PackedMatrix layoutChannel(const float* w, const uint8_t* level, uint32_t rows, uint32_t cols, uint32_t levels,
                           DType dtype);
// N:M with n[k] = level k's N (n[0] = p.n, strictly decreasing): ranks every group and lays it out.
PackedMatrix layoutNM(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                      const std::vector<uint32_t>& n, DType dtype);

}  // namespace prune_detail
}  // namespace gsparse
