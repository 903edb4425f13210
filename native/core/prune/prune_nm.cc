// N:M pruning: in every run of m consecutive columns of a row keep the n largest |importance| (|w| for
// magnitude pruning; ties: lower column); a partial last run of width v keeps min(n, v). The target
// sparsity plays no part.
#include <algorithm>
#include <cmath>

#include "gsparse/thread_pool.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {

void rankGroup(const float* importance, uint32_t v, uint8_t* rank) {
  // m <= 16: counting the entries that beat each one (O(v^2)) is cheapest.
  float a[16];
  for (uint32_t i = 0; i < v; ++i) a[i] = std::fabs(importance[i]);
  for (uint32_t i = 0; i < v; ++i) {
    uint32_t better = 0;
    for (uint32_t j = 0; j < v; ++j) better += (a[j] > a[i]) || (a[j] == a[i] && j < i);
    rank[i] = static_cast<uint8_t>(better);
  }
}

std::vector<float> pruneNM(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p) {
  const uint32_t n = p.n, m = p.m;  // validated: 1 <= n <= m <= 16
  std::vector<float> out(static_cast<std::size_t>(rows) * cols, 0.0f);
  const std::size_t rowGrain = std::max<std::size_t>(1, (std::size_t{1} << 16) / cols);
  parallelFor(rows, rowGrain, [&](std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r) {
      const float* x = w + r * cols;
      const float* rank = importance + r * cols;
      float* y = out.data() + r * cols;
      for (uint32_t g = 0; g < cols; g += m) {
        const uint32_t v = std::min(m, cols - g);
        if (v <= n) {  // the whole run survives
          std::copy(x + g, x + g + v, y + g);
          continue;
        }
        // Keep entry i iff fewer than n entries of the run beat it.
        uint8_t better[16];
        rankGroup(rank + g, v, better);
        for (uint32_t i = 0; i < v; ++i) {
          if (better[i] < n) y[g + i] = x[g + i];
        }
      }
    }
  });
  return out;
}

}  // namespace prune_detail
}  // namespace gsparse
