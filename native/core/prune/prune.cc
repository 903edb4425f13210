// pruneAndPack: argument checks, dispatch to one pruning method per pattern kind, and the shared
// selection helper (Ranking) that every layer-wide threshold goes through.
#include "gsparse/prune.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

#include "gsparse/errors.h"
#include "gsparse/thread_pool.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {

uint64_t keepCount(uint64_t total, double sparsity) {
  double k = std::round((1.0 - sparsity) * static_cast<double>(total));  // halves round up
  return std::min<uint64_t>(total, static_cast<uint64_t>(std::max(0.0, k)));
}

std::vector<std::size_t> keepCounts(uint64_t total, const std::vector<double>& sparsities) {
  std::vector<std::size_t> counts;
  for (double s : sparsities) counts.push_back(keepCount(total, s));
  return counts;
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

uint64_t Ranking::cut(std::size_t k) const { return cuts({k})[0]; }

std::vector<uint64_t> Ranking::cuts(const std::vector<std::size_t>& ks) const {
  std::vector<uint64_t> out(ks.size(), UINT64_MAX);  // k >= n: keys never reach it (indices stay below 2^32 - 1): keep all
  std::vector<std::size_t> open;                      // the ks still to find, as positions in ks
  for (std::size_t j = 0; j < ks.size(); ++j) {
    if (ks[j] < n_) open.push_back(j);
  }
  if (!open.empty() && n_ >= kBracketMinItems) {
    // Evenly spaced sample; its keys around quantile k/n bracket the rank-k key. One parallel pass
    // counts, for every k, the keys below its bracket and copies those inside it; if the count shows
    // rank k is not inside (data periodic in the sampling stride), that k falls through to the full copy.
    std::vector<uint64_t> sample(kSample);
    for (std::size_t j = 0; j < kSample; ++j) {
      const std::size_t i = j * n_ / kSample;
      sample[j] = key(scores_[i], i);
    }
    std::sort(sample.begin(), sample.end());
    const std::size_t brackets = open.size();
    std::vector<uint64_t> lo(brackets), hi(brackets);
    for (std::size_t b = 0; b < brackets; ++b) {
      const std::size_t q = ks[open[b]] * kSample / n_;
      lo[b] = q >= kMargin ? sample[q - kMargin] : 0;
      hi[b] = q + kMargin < kSample ? sample[q + kMargin] : UINT64_MAX;
    }
    std::vector<std::vector<uint64_t>> inside(kChunks * brackets);  // [chunk][bracket]
    std::vector<uint32_t> below(kChunks * brackets, 0);
    // count: the number of brackets, a compile-time 1 for the common single cut (as fast as a loop
    // without the inner one).
    auto scan = [&](std::size_t ch, auto count) {
      const std::size_t end = (ch + 1) * n_ / kChunks;
      const float* scores = scores_;
      const uint64_t *low = lo.data(), *high = hi.data();
      uint32_t* belowHere = below.data() + ch * count;  // uint32_t: its stores cannot alias the bounds
      std::vector<uint64_t>* insideHere = inside.data() + ch * count;
      for (std::size_t i = ch * n_ / kChunks; i < end; ++i) {
        const uint64_t kk = key(scores[i], i);
        for (std::size_t j = 0; j < static_cast<std::size_t>(count); ++j) {
          if (kk < low[j]) ++belowHere[j];
          else if (kk < high[j]) insideHere[j].push_back(kk);
        }
      }
    };
    parallelFor(kChunks, 1, [&](std::size_t b, std::size_t e) {
      for (std::size_t ch = b; ch < e; ++ch) {
        if (brackets == 1) scan(ch, std::integral_constant<std::size_t, 1>());
        else scan(ch, brackets);
      }
    });
    std::vector<std::size_t> missed;
    for (std::size_t j = 0; j < brackets; ++j) {
      const std::size_t k = ks[open[j]];
      std::size_t countBelow = 0, countInside = 0;
      for (std::size_t ch = 0; ch < kChunks; ++ch) {
        countBelow += below[ch * brackets + j], countInside += inside[ch * brackets + j].size();
      }
      if (countBelow <= k && k - countBelow < countInside) {
        std::vector<uint64_t> bracket;
        bracket.reserve(countInside);
        for (std::size_t ch = 0; ch < kChunks; ++ch) {
          const auto& v = inside[ch * brackets + j];
          bracket.insert(bracket.end(), v.begin(), v.end());
        }
        auto nth = bracket.begin() + static_cast<std::ptrdiff_t>(k - countBelow);
        std::nth_element(bracket.begin(), nth, bracket.end());
        out[open[j]] = *nth;
      } else {
        missed.push_back(open[j]);
      }
    }
    open = std::move(missed);
  }
  if (open.empty()) return out;
  std::vector<uint64_t> keys(n_);
  fillKeys(scores_, n_, keys.data());
  for (std::size_t j : open) {
    std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(ks[j]), keys.end());
    out[j] = keys[ks[j]];
  }
  return out;
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

}  // namespace prune_detail

PackedMatrix pruneAndPack(const float* w, uint32_t rows, uint32_t cols, const Pattern& pattern, double sparsity,
                          DType dtype, const float* scores) {
  using namespace prune_detail;
  checkArguments(w, rows, cols, pattern, sparsity, dtype, scores);
  const float* importance = scores ? scores : w;  // ranked by |importance|: w itself = magnitude pruning
  if (pattern.kind == Kind::GS) {
    PackedMatrix m = pruneGs(w, importance, rows, cols, pattern, {sparsity}, dtype);
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
