// Channel pruning: remove whole output rows of smallest L2 norm of their importance (of w for
// magnitude pruning), keeping round((1-s)*rows) rows (ties broken by the lower row index).
#include <algorithm>
#include <cmath>

#include "gsparse/thread_pool.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {

namespace {
std::size_t rowGrainOf(uint32_t cols) { return std::max<std::size_t>(1, (std::size_t{1} << 16) / cols); }
}  // namespace

std::vector<float> rowSquaredNorms(const float* importance, uint32_t rows, uint32_t cols) {
  std::vector<float> norm2(rows);
  parallelFor(rows, rowGrainOf(cols), [&](std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r) {
      double s = 0.0;
      const float* row = importance + r * cols;
      for (const float* x = row; x != row + cols; ++x) s += static_cast<double>(*x) * *x;
      norm2[r] = static_cast<float>(s);
    }
  });
  return norm2;
}

std::vector<float> pruneChannel(const float* w, const float* importance, uint32_t rows, uint32_t cols,
                                double sparsity) {
  // Ranking by squared norm ranks the same as by the norm.
  const std::vector<float> norm2 = rowSquaredNorms(importance, rows, cols);
  const std::size_t rowGrain = rowGrainOf(cols);
  const uint64_t cut = Ranking(norm2.data(), rows).cut(keepCount(rows, sparsity));
  std::vector<float> out(static_cast<std::size_t>(rows) * cols, 0.0f);
  parallelFor(rows, rowGrain, [&](std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r) {
      if (Ranking::key(norm2[r], r) < cut) std::copy(w + r * cols, w + (r + 1) * cols, out.begin() + r * cols);
    }
  });
  return out;
}

}  // namespace prune_detail
}  // namespace gsparse
