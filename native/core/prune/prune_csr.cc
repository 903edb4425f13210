// Unstructured pruning (csr, and dense with s > 0): keep exactly the k = round((1-s)*n) largest
// |importance| (= |w| for magnitude pruning), ties broken by the lower index (Ranking's total order).
#include "gsparse/thread_pool.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {

std::vector<float> pruneUnstructured(const float* w, const float* importance, uint32_t rows, uint32_t cols,
                                     double sparsity) {
  const std::size_t n = static_cast<std::size_t>(rows) * cols;
  const uint64_t cut = Ranking(importance, n).cut(keepCount(n, sparsity));
  std::vector<float> out(n);
  parallelFor(n, std::size_t{1} << 16, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) out[i] = Ranking::key(importance[i], i) < cut ? w[i] : 0.0f;
  });
  return out;
}

}  // namespace prune_detail
}  // namespace gsparse
