// packNested (gsparse/nested.h): checks the levels, then per pattern the level of every item. csr,
// block, channel and N:M rank as pruneAndPack does, and one ranking's top sets nest, so an item's
// level is the sparsest level whose cut it beats; GS continues its greedy fill level by level.
#include <algorithm>
#include <cmath>
#include <string>

#include "gsparse/errors.h"
#include "gsparse/nested.h"
#include "gsparse/thread_pool.h"
#include "nested_internal.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {
namespace {

// N:M: level k's N = (1 - s_k) * m, which must be whole, and level 0's must be the pattern's n.
std::vector<uint32_t> nmLevelN(const Pattern& p, const std::vector<double>& levels) {
  std::string allowed;
  for (uint32_t n = p.n; n >= 1; --n) allowed += (n == p.n ? "" : ", ") + numberText(1.0 - static_cast<double>(n) / p.m);
  const std::string name = patternToString(p);
  std::vector<uint32_t> n(levels.size());
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const double x = (1.0 - levels[k]) * p.m;  // level k's N; within 1e-5 of a whole number (printed sparsities)
    const double whole = std::round(x);
    require(k > 0 || std::fabs(x - p.n) <= 1e-5, "levels[0]: expected " + numberText(1.0 - static_cast<double>(p.n) / p.m) +
                                                     " (the densest level is the pattern " + name + "), got " +
                                                     numberText(levels[0]));
    require(std::fabs(x - whole) <= 1e-5 && whole >= 1.0, "levels[" + std::to_string(k) + "]: " + numberText(levels[k]) +
                                                              " gives no whole N for " + name +
                                                              "; allowed sparsities: " + allowed);
    n[k] = static_cast<uint32_t>(whole);
    require(k == 0 || n[k] < n[k - 1], "levels[" + std::to_string(k) + "]: " + numberText(levels[k]) + " gives N = " +
                                           std::to_string(n[k]) + " as levels[" + std::to_string(k - 1) +
                                           "] does; allowed sparsities: " + allowed);
  }
  return n;
}

PackedMatrix nestedCsr(const float* w, const float* importance, uint32_t rows, uint32_t cols,
                       const std::vector<double>& levels, DType dtype) {
  const std::size_t n = static_cast<std::size_t>(rows) * cols;
  const std::vector<uint64_t> cuts = Ranking(importance, n).cuts(keepCounts(n, levels));  // level k keeps key < cuts[k]
  const uint32_t L = static_cast<uint32_t>(levels.size());
  std::vector<uint8_t> level(n);
  parallelFor(n, std::size_t{1} << 16, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      level[i] = w[i] == 0.0f ? kNotKept : levelOf(Ranking::key(importance[i], i), cuts.data(), L);  // csr stores no zeros
    }
  });
  return layoutCsr(w, level.data(), rows, cols, L, dtype);
}

PackedMatrix nestedBlock(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                         const std::vector<double>& levels, DType dtype) {
  BlockSelection blocks(importance, rows, cols, p);
  std::vector<uint64_t> cuts;
  for (double s : levels) cuts.push_back(blocks.cut(s));
  const uint32_t L = static_cast<uint32_t>(levels.size());
  const uint32_t R = p.blockRows, C = p.blockCols;
  const uint64_t blockCols = blocks.blockCols();
  std::vector<uint8_t> level(blocks.blockCount());
  parallelFor(blocks.blockRows(), 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t br = b; br < e; ++br) {
      for (uint64_t bc = 0; bc < blockCols; ++bc) {
        const uint64_t j = br * blockCols + bc;
        level[j] = levelOf(blocks.key(j), cuts.data(), L);
        bool any = false;  // a block of zeros is not stored (as pack() drops it)
        for (uint64_t r = br * R; r < std::min<uint64_t>(rows, br * R + R) && !any; ++r) {
          const float* x = w + r * cols;
          for (uint64_t c = bc * C; c < std::min<uint64_t>(cols, bc * C + C); ++c) any |= x[c] != 0.0f;
        }
        if (!any) level[j] = kNotKept;
      }
    }
  });
  return layoutBlock(w, level.data(), rows, cols, p, L, dtype);
}

PackedMatrix nestedChannel(const float* w, const float* importance, uint32_t rows, uint32_t cols,
                           const std::vector<double>& levels, DType dtype) {
  const std::vector<float> norm2 = rowSquaredNorms(importance, rows, cols);
  const std::vector<uint64_t> cuts = Ranking(norm2.data(), rows).cuts(keepCounts(rows, levels));
  const uint32_t L = static_cast<uint32_t>(levels.size());
  std::vector<uint8_t> level(rows);
  for (uint32_t r = 0; r < rows; ++r) {
    const float* x = w + static_cast<std::size_t>(r) * cols;
    const bool any = std::any_of(x, x + cols, [](float v) { return v != 0.0f; });  // a row of zeros is not stored
    level[r] = any ? levelOf(Ranking::key(norm2[r], r), cuts.data(), L) : kNotKept;
  }
  return layoutChannel(w, level.data(), rows, cols, L, dtype);
}

}  // namespace
}  // namespace prune_detail

PackedMatrix packNested(const float* w, uint32_t rows, uint32_t cols, const Pattern& pattern,
                        const std::vector<double>& levels, DType dtype, const float* scores) {
  using namespace prune_detail;
  validatePattern(pattern);
  require(pattern.kind != Kind::Dense,
          "pattern: expected a sparse pattern for nested levels (csr, block, N:M, gs or channel), got dense");
  const std::string problem = levelsProblem(levels, "levels");
  require(problem.empty(), problem);
  std::vector<uint32_t> n;
  if (pattern.kind == Kind::NM) n = nmLevelN(pattern, levels);
  checkArguments(w, rows, cols, pattern, levels[0], dtype, scores);
  const float* importance = scores ? scores : w;  // ranked by |importance|: w itself = magnitude pruning
  PackedMatrix m;
  switch (pattern.kind) {
    case Kind::Csr: m = nestedCsr(w, importance, rows, cols, levels, dtype); break;
    case Kind::Block: m = nestedBlock(w, importance, rows, cols, pattern, levels, dtype); break;
    case Kind::Channel: m = nestedChannel(w, importance, rows, cols, levels, dtype); break;
    case Kind::NM: m = layoutNM(w, importance, rows, cols, pattern, n, dtype); break;
    case Kind::GS: m = pruneGs(w, importance, rows, cols, pattern, levels, dtype); break;
    case Kind::Dense: break;  // rejected above
  }
  m.levelSparsity = levels;
  if (pattern.kind == Kind::NM) {
    for (std::size_t k = 0; k < n.size(); ++k) m.levelSparsity[k] = 1.0 - static_cast<double>(n[k]) / pattern.m;
  }
#ifndef NDEBUG
  validate(m);
#endif
  return m;
}

}  // namespace gsparse
