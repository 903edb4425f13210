// Pruning to a pattern at a target sparsity, by magnitude or by given importance scores (docs/gs.md, Pruning).
#pragma once
#include <cstdint>

#include "gsparse/packed_matrix.h"

namespace gsparse {

// Prunes w to the pattern and packs the survivors in one pass (GS packs come straight from the
// greedy bank-balanced fill). sparsity in [0, 1); ignored by N:M, whose sparsity is fixed.
// scores: optional importance per weight (rows*cols, row-major like w, finite and >= 0, e.g. Wanda's
// |W_ij| * ||X_j||); every method then ranks by scores where it ranks by |w| without them, and the
// kept values still come from w. nullptr: magnitude pruning (scores = |w|).
// RangeError on non-finite weights, a bad score or a bad sparsity.
PackedMatrix pruneAndPack(const float* w, uint32_t rows, uint32_t cols, const Pattern& pattern, double sparsity,
                          DType dtype, const float* scores = nullptr);

}  // namespace gsparse
