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

namespace {
std::size_t rowGrainOf(uint64_t R, uint32_t cols) { return std::max<std::size_t>(1, (std::size_t{1} << 16) / (R * cols)); }
}  // namespace

BlockSelection::BlockSelection(const float* importance, uint32_t rows, uint32_t cols, const Pattern& p)
    : rows_(rows),
      cols_(cols),
      R_(p.blockRows),
      C_(p.blockCols),
      blockRows_((rows + R_ - 1) / R_),
      blockCols_((cols + C_ - 1) / C_),
      score_(blockRows_ * blockCols_, 0.0f),
      ranking_(score_.data(), score_.size()) {
  parallelFor(blockRows_, rowGrainOf(R_, cols), [&](std::size_t b, std::size_t e) {
    for (std::size_t br = b; br < e; ++br) {
      float* s = score_.data() + br * blockCols_;
      for (uint64_t r = br * R_; r < std::min<uint64_t>(rows, br * R_ + R_); ++r) {
        const float* x = importance + r * cols;
        for (uint64_t bc = 0; bc < blockCols_; ++bc) {
          float acc = 0.0f;
          for (uint64_t c = bc * C_; c < std::min<uint64_t>(cols, bc * C_ + C_); ++c) acc += std::fabs(x[c]);
          s[bc] += acc;
        }
      }
    }
  });
}

uint64_t BlockSelection::blockSize(uint64_t j) const {
  const uint64_t br = j / blockCols_, bc = j % blockCols_;
  return std::min<uint64_t>(R_, rows_ - br * R_) * std::min<uint64_t>(C_, cols_ - bc * C_);
}

uint64_t BlockSelection::cut(double sparsity) {
  // Prefix counts grow by 1..R*C per block and by exactly R*C for full blocks, so the prefix length
  // closest to the target lies in [q, q + partial + 1] (q = target / (R*C), partial = edge blocks);
  // only that window of the ranking is ordered.
  const uint64_t nb = score_.size();
  const uint64_t target = keepCount(static_cast<uint64_t>(rows_) * cols_, sparsity);
  const uint64_t partial = (rows_ % R_ ? blockCols_ : 0) + (cols_ % C_ ? blockRows_ : 0) - (rows_ % R_ && cols_ % C_ ? 1 : 0);
  const uint64_t q = target / (R_ * C_);
  const uint64_t lo = std::min(q, nb), hi = std::min(nb, q + partial + 1);
  const uint64_t* window = ranking_.ordered(lo, std::min(nb, hi + 1));
  uint64_t count = 0;
  for (const uint64_t* k = ranking_.top(); k != ranking_.top() + lo; ++k) count += blockSize(Ranking::indexOf(*k));
  auto distance = [&](uint64_t c) { return c > target ? c - target : target - c; };
  uint64_t best = lo, bestCount = count;
  for (uint64_t j = lo; j < hi; ++j) {
    count += blockSize(Ranking::indexOf(window[j - lo]));
    if (distance(count) < distance(bestCount)) best = j + 1, bestCount = count;
  }
  return best == nb ? UINT64_MAX : window[best - lo];
}

std::vector<float> pruneBlock(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                              double sparsity) {
  BlockSelection blocks(importance, rows, cols, p);
  const uint64_t cut = blocks.cut(sparsity);
  const uint64_t R = p.blockRows, C = p.blockCols, blockColCount = blocks.blockCols();
  std::vector<uint8_t> keep(blocks.blockCount());
  for (uint64_t j = 0; j < keep.size(); ++j) keep[j] = blocks.key(j) < cut;
  std::vector<float> out(static_cast<std::size_t>(rows) * cols, 0.0f);
  parallelFor(blocks.blockRows(), rowGrainOf(R, cols), [&](std::size_t b, std::size_t e) {
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
