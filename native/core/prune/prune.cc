// pruneAndPack: argument checks, dispatch to one pruning method per pattern kind, and the shared
// selection helper (Ranking) that every layer-wide threshold goes through.
#include "gsparse/prune.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "gsparse/errors.h"
#include "gsparse/thread_pool.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {

uint64_t keepCount(uint64_t total, double sparsity) {
  double k = std::round((1.0 - sparsity) * static_cast<double>(total));  // halves round up
  return std::min<uint64_t>(total, static_cast<uint64_t>(std::max(0.0, k)));
}

namespace {

// Keys of scores[0..n) into out, in parallel.
void fillKeys(const float* scores, std::size_t n, uint64_t* out) {
  parallelFor(n, std::size_t{1} << 16, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) out[i] = Ranking::key(scores[i], i);
  });
}

constexpr std::size_t kBracketMinItems = std::size_t{1} << 20;  // below: a full copy is cheap enough
constexpr std::size_t kSample = std::size_t{1} << 16;
constexpr std::size_t kMargin = 1024;  // sample ranks either side of k: ~8 standard deviations
constexpr std::size_t kChunks = 64;    // fixed, so the result does not depend on the thread count

}  // namespace

uint64_t Ranking::cut(std::size_t k) const {
  if (k >= n_) return UINT64_MAX;  // keys never reach it (indices stay below 2^32 - 1): keep all
  if (n_ >= kBracketMinItems) {
    // Evenly spaced sample; its keys around quantile k/n bracket the rank-k key. One parallel pass
    // counts the keys below the bracket and copies those inside it; if the count shows rank k is
    // not inside (data periodic in the sampling stride), fall through to the full copy.
    std::vector<uint64_t> sample(kSample);
    for (std::size_t j = 0; j < kSample; ++j) {
      const std::size_t i = j * n_ / kSample;
      sample[j] = key(scores_[i], i);
    }
    std::sort(sample.begin(), sample.end());
    const std::size_t q = k * kSample / n_;
    const uint64_t lo = q >= kMargin ? sample[q - kMargin] : 0;
    const uint64_t hi = q + kMargin < kSample ? sample[q + kMargin] : UINT64_MAX;
    std::vector<std::vector<uint64_t>> inside(kChunks);
    std::vector<std::size_t> below(kChunks, 0);
    parallelFor(kChunks, 1, [&](std::size_t b, std::size_t e) {
      for (std::size_t ch = b; ch < e; ++ch) {
        for (std::size_t i = ch * n_ / kChunks; i < (ch + 1) * n_ / kChunks; ++i) {
          const uint64_t kk = key(scores_[i], i);
          if (kk < lo) ++below[ch];
          else if (kk < hi) inside[ch].push_back(kk);
        }
      }
    });
    std::size_t countBelow = 0, countInside = 0;
    for (std::size_t ch = 0; ch < kChunks; ++ch) countBelow += below[ch], countInside += inside[ch].size();
    if (countBelow <= k && k - countBelow < countInside) {
      std::vector<uint64_t> bracket;
      bracket.reserve(countInside);
      for (const auto& v : inside) bracket.insert(bracket.end(), v.begin(), v.end());
      auto nth = bracket.begin() + static_cast<std::ptrdiff_t>(k - countBelow);
      std::nth_element(bracket.begin(), nth, bracket.end());
      return *nth;
    }
  }
  std::vector<uint64_t> keys(n_);
  fillKeys(scores_, n_, keys.data());
  std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(k), keys.end());
  return keys[k];
}

const uint64_t* Ranking::ordered(std::size_t lo, std::size_t hi) {
  if (keys_.size() != n_) {
    keys_.resize(n_);
    fillKeys(scores_, n_, keys_.data());
  }
  auto first = keys_.begin() + static_cast<std::ptrdiff_t>(lo);
  auto last = keys_.begin() + static_cast<std::ptrdiff_t>(hi);
  if (lo > 0 && lo < n_) std::nth_element(keys_.begin(), first, keys_.end());  // [0, lo) = top lo
  if (hi < n_) std::nth_element(first, last, keys_.end());                     // [lo, hi) = next ones
  std::sort(first, last);
  return keys_.data() + lo;
}

}  // namespace prune_detail

namespace {

// JS-style rendering of a number for error messages.
std::string numberText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  std::ostringstream os;
  os << v;
  return os.str();
}

void checkArguments(const float* w, uint32_t rows, uint32_t cols, const Pattern& pattern, double sparsity, DType dtype,
                    const float* scores) {
  validatePattern(pattern);
  require(std::isfinite(sparsity) && sparsity >= 0.0 && sparsity < 1.0,
          "sparsity: expected a number in [0, 1), got " + numberText(sparsity));
  require(rows >= 1, "rows: expected a positive integer, got " + std::to_string(rows));
  require(cols >= 1, "cols: expected a positive integer, got " + std::to_string(cols));
  const uint64_t n = static_cast<uint64_t>(rows) * cols;
  // Ranking keys carry a 32-bit item index.
  require(n <= UINT32_MAX, "rows*cols: expected at most 4294967295 weights, got " + std::to_string(n));
  require(w != nullptr, "w: expected rows*cols weights, got none");
  requireStorable(w, n, dtype);
  if (scores == nullptr) return;
  // Importance is ranked by its IEEE bits (Ranking::key): only finite values >= 0 order correctly.
  for (uint64_t i = 0; i < n; ++i) {
    if (!(std::isfinite(scores[i]) && scores[i] >= 0.0f))
      fail(ErrorCode::Range,
           "scores[" + std::to_string(i) + "]: expected a finite value >= 0, got " + numberText(scores[i]));
  }
}

}  // namespace

PackedMatrix pruneAndPack(const float* w, uint32_t rows, uint32_t cols, const Pattern& pattern, double sparsity,
                          DType dtype, const float* scores) {
  using namespace prune_detail;
  checkArguments(w, rows, cols, pattern, sparsity, dtype, scores);
  const float* importance = scores ? scores : w;  // ranked by |importance|: w itself = magnitude pruning
  if (pattern.kind == Kind::GS) {
    PackedMatrix m = pruneGs(w, importance, rows, cols, pattern, sparsity, dtype);
#ifndef NDEBUG
    validate(m);
#endif
    return m;
  }
  std::vector<float> masked;
  switch (pattern.kind) {
    case Kind::Dense:
      if (sparsity == 0.0) return pack(w, rows, cols, pattern, dtype);  // keeps every weight
      masked = pruneUnstructured(w, importance, rows, cols, sparsity);
      break;
    case Kind::Csr: masked = pruneUnstructured(w, importance, rows, cols, sparsity); break;
    case Kind::Block: masked = pruneBlock(w, importance, rows, cols, pattern, sparsity); break;
    case Kind::NM: masked = pruneNM(w, importance, rows, cols, pattern); break;
    case Kind::Channel: masked = pruneChannel(w, importance, rows, cols, sparsity); break;
    case Kind::GS: break;  // handled above
  }
  return pack(masked.data(), rows, cols, pattern, dtype);
}

}  // namespace gsparse
