// Block pruning (R x C blocks, edge blocks partial): score = sum of |importance| over each block
// (its L1 norm for magnitude pruning); keep the best blocks
// (ties: lower block index) as the prefix of the ranking whose in-matrix element count is closest
// to the target k = round((1-s)*rows*cols).
#include <algorithm>
#include <cmath>

#include "gsparse/thread_pool.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {

std::vector<float> pruneBlock(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                              double sparsity) {
  const uint64_t R = p.blockRows, C = p.blockCols;
  const uint64_t blockRowCount = (rows + R - 1) / R, blockColCount = (cols + C - 1) / C;
  const uint64_t nb = blockRowCount * blockColCount;
  const std::size_t rowGrain = std::max<std::size_t>(1, (std::size_t{1} << 16) / (R * cols));
  // In-matrix element count of block j (edge blocks are smaller).
  auto blockSize = [&](uint64_t j) {
    const uint64_t br = j / blockColCount, bc = j % blockColCount;
    return std::min<uint64_t>(R, rows - br * R) * std::min<uint64_t>(C, cols - bc * C);
  };

  std::vector<float> score(nb, 0.0f);
  parallelFor(blockRowCount, rowGrain, [&](std::size_t b, std::size_t e) {
    for (std::size_t br = b; br < e; ++br) {
      float* s = score.data() + br * blockColCount;
      for (uint64_t r = br * R; r < std::min<uint64_t>(rows, br * R + R); ++r) {
        const float* x = importance + r * cols;
        for (uint64_t bc = 0; bc < blockColCount; ++bc) {
          float acc = 0.0f;
          for (uint64_t c = bc * C; c < std::min<uint64_t>(cols, bc * C + C); ++c) acc += std::fabs(x[c]);
          s[bc] += acc;
        }
      }
    }
  });

  // Prefix counts grow by 1..R*C per block and by exactly R*C for full blocks, so the prefix length
  // closest to the target lies in [q, q + partial + 1] (q = target / (R*C), partial = edge blocks);
  // only that window of the ranking is ordered.
  const uint64_t target = keepCount(static_cast<uint64_t>(rows) * cols, sparsity);
  const uint64_t partial = (rows % R ? blockColCount : 0) + (cols % C ? blockRowCount : 0) - (rows % R && cols % C ? 1 : 0);
  const uint64_t q = target / (R * C);
  const uint64_t lo = std::min(q, nb), hi = std::min(nb, q + partial + 1);
  Ranking ranking(score.data(), nb);
  const uint64_t* window = ranking.ordered(lo, std::min(nb, hi + 1));
  uint64_t count = 0;
  for (const uint64_t* k = ranking.top(); k != ranking.top() + lo; ++k) count += blockSize(Ranking::indexOf(*k));
  auto distance = [&](uint64_t c) { return c > target ? c - target : target - c; };
  uint64_t best = lo, bestCount = count;
  for (uint64_t j = lo; j < hi; ++j) {
    count += blockSize(Ranking::indexOf(window[j - lo]));
    if (distance(count) < distance(bestCount)) best = j + 1, bestCount = count;
  }
  const uint64_t cut = best == nb ? UINT64_MAX : window[best - lo];

  std::vector<uint8_t> keep(nb);
  for (uint64_t j = 0; j < nb; ++j) keep[j] = Ranking::key(score[j], j) < cut;
  std::vector<float> out(static_cast<std::size_t>(rows) * cols, 0.0f);
  parallelFor(blockRowCount, rowGrain, [&](std::size_t b, std::size_t e) {
    for (std::size_t br = b; br < e; ++br) {
      const uint8_t* k = keep.data() + br * blockColCount;
      for (uint64_t r = br * R; r < std::min<uint64_t>(rows, br * R + R); ++r) {
        for (uint64_t bc = 0; bc < blockColCount; ++bc) {
          if (!k[bc]) continue;  // out is already 0 there
          const uint64_t c0 = r * cols + bc * C, c1 = r * cols + std::min<uint64_t>(cols, bc * C + C);
          std::copy(w + c0, w + c1, out.begin() + c0);
        }
      }
    }
  });
  return out;
}

}  // namespace prune_detail
}  // namespace gsparse
