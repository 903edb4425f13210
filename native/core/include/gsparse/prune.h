// Magnitude pruning to a pattern at a target sparsity (docs/gs.md, Pruning).
#pragma once
#include <cstdint>

#include "gsparse/packed_matrix.h"

namespace gsparse {

// Prunes w to the pattern and packs the survivors in one pass (GS packs come straight from the
// greedy bank-balanced fill). sparsity in [0, 1); ignored by N:M, whose sparsity is fixed.
// RangeError on non-finite weights or a bad sparsity.
PackedMatrix pruneAndPack(const float* w, uint32_t rows, uint32_t cols, const Pattern& pattern, double sparsity,
                          DType dtype);

}  // namespace gsparse
