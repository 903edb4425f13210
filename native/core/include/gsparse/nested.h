// Nested (multi-level) sparsity: one stored matrix whose sparser levels are prefixes of each segment
// of the densest one (docs/formats.md, Nested levels; the fields are in packed_matrix.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gsparse/packed_matrix.h"

namespace gsparse {

// Prunes w to the pattern at every sparsity of `levels` (2..kMaxLevels, strictly ascending in [0, 1)),
// sparsest first: each denser level adds the best remaining weights under the pattern (GS: in new packs
// after the sparser level's), so levels nest by construction. N:M: the pattern's n:m is the densest
// level and every level must give a whole N (4:8 with [0.5, 0.75, 0.875] gives 4, 2, 1). scores as in
// pruneAndPack. RangeError on dense, bad levels (naming the reason), and whatever pruneAndPack rejects.
PackedMatrix packNested(const float* w, uint32_t rows, uint32_t cols, const Pattern& pattern,
                        const std::vector<double>& levels, DType dtype, const float* scores = nullptr);

// Why `levels` cannot be a nested matrix's sparsities (fewer than 2 or more than kMaxLevels, one outside
// [0, 1), not strictly ascending), naming the first bad one as name[k]; empty when they can.
std::string levelsProblem(const std::vector<double>& levels, const std::string& name);

// Writes level `level`'s rows*cols dense matrix (level 0 of a plain matrix is toDense); RangeError
// when level >= levelCount().
void toDenseLevel(const PackedMatrix& m, uint32_t level, float* out);

// Stored values of level `level` that are nonzero (padding and explicit zeros excluded); RangeError
// when level >= levelCount().
uint64_t nonzerosLevel(const PackedMatrix& m, uint32_t level);

}  // namespace gsparse
