// Internal to native/core/prune: the shared selection helper and one entry point per method.
// Each method file does one job; prune.cc checks the arguments, dispatches, and packs.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gsparse/packed_matrix.h"

namespace gsparse {
namespace prune_detail {

// Number of entries kept out of `total` at a target sparsity: round((1 - s) * total).
uint64_t keepCount(uint64_t total, double sparsity);
// keepCount(total, s) for each s.
std::vector<std::size_t> keepCounts(uint64_t total, const std::vector<double>& sparsities);

// The one top-k helper. Every item gets a 64-bit key, (~bits(|score|) << 32) | index: for
// non-negative floats the IEEE bits are monotone, so ascending keys mean descending score with ties
// broken by the lower index -- a strict total order, hence "the k best" is unique and deterministic.
// Items number at most 2^32 (prune.cc rejects larger matrices).
class Ranking {
 public:
  static uint64_t key(float score, uint64_t index) {
    float a = std::fabs(score);
    uint32_t bits;
    std::memcpy(&bits, &a, sizeof bits);
    return (static_cast<uint64_t>(~bits) << 32) | static_cast<uint32_t>(index);
  }
  static uint32_t indexOf(uint64_t key) { return static_cast<uint32_t>(key); }

  // Ranks |scores[0..n)| (per-weight importance, or block/row scores); scores must outlive the Ranking.
  Ranking(const float* scores, std::size_t n) : scores_(scores), n_(n) {}

  std::size_t size() const { return n_; }
  // Cut for the top k (0 <= k <= n): item i is among the k best iff key(score_i, i) < cut(k).
  // nth_element on a copy of the keys -- for large n only of the keys inside a bracket around rank k
  // that a sorted sample predicts (verified by counting; the full copy is the fallback).
  uint64_t cut(std::size_t k) const;
  // cut(k) for each k of ks, with one pass over the scores for all of them.
  std::vector<uint64_t> cuts(const std::vector<std::size_t>& ks) const;
  // Keys of ranks [lo, hi) in rank order (best first); lo <= hi <= n. Partitions a full copy of the
  // keys (nth_element) and sorts only that window.
  const uint64_t* ordered(std::size_t lo, std::size_t hi);
  // Keys of ranks [0, lo) in no particular order; valid after ordered(lo, ...).
  const uint64_t* top() const { return keys_.data(); }

 private:
  void buildKeys();

  const float* scores_;
  std::size_t n_;
  std::vector<uint64_t> keys_;  // all keys, built by ordered()
};

// JS-style rendering of a number for error messages (NaN, Infinity, 0.5).
std::string numberText(double v);

// pruneAndPack's argument checks (pattern, sparsity in [0, 1), shape, storable weights, scores finite
// and >= 0); RangeError naming the first bad one.
void checkArguments(const float* w, uint32_t rows, uint32_t cols, const Pattern& pattern, double sparsity, DType dtype,
                    const float* scores);

// Block selection (prune_block.cc): the score of every R x C block of the grid (row-major; edge blocks
// partial) = sum of |importance| over its entries, and per sparsity the cut that keeps the best blocks,
// as many as bring the kept element count closest to the target. Cuts for several sparsities nest.
class BlockSelection {
 public:
  BlockSelection(const float* importance, uint32_t rows, uint32_t cols, const Pattern& p);
  uint64_t blockRows() const { return blockRows_; }
  uint64_t blockCols() const { return blockCols_; }
  uint64_t blockCount() const { return score_.size(); }
  // Block j is kept at `sparsity` iff key(j) < cut(sparsity).
  uint64_t key(uint64_t j) const { return Ranking::key(score_[j], j); }
  uint64_t cut(double sparsity);

 private:
  uint64_t blockSize(uint64_t j) const;  // entries of block j inside the matrix

  uint32_t rows_, cols_;
  uint64_t R_, C_, blockRows_, blockCols_;
  std::vector<float> score_;
  Ranking ranking_;  // over score_
};

// Squared L2 norm of every row of importance (channel pruning ranks rows by it).
std::vector<float> rowSquaredNorms(const float* importance, uint32_t rows, uint32_t cols);

// N:M: rank[i] = how many of the group's v entries beat entry i by |importance| (ties: lower column),
// so an entry is among the group's best n iff rank[i] < n. v <= 16.
void rankGroup(const float* importance, uint32_t v, uint8_t* rank);

// Pruning methods. Each selects by |importance[i]| for weight i (rows*cols, same layout as w) and
// keeps the values of w. Magnitude pruning passes importance = w itself: |w| with no extra buffer and
// the arithmetic of before; caller scores (>= 0, checked in prune.cc) pass through fabs unchanged.
// The dense-mask ones return w with every pruned entry set to 0 (rows*cols floats); prune.cc packs
// that with gsparse::pack(). GS packs directly from its greedy fill.
std::vector<float> pruneUnstructured(const float* w, const float* importance, uint32_t rows, uint32_t cols,
                                     double sparsity);
std::vector<float> pruneBlock(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                              double sparsity);
std::vector<float> pruneNM(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p);
std::vector<float> pruneChannel(const float* w, const float* importance, uint32_t rows, uint32_t cols,
                                double sparsity);
// GS at sparsities[0], or nested: level k at sparsities[k] (ascending), built sparsest first, each
// level's packs appended to every group after the sparser levels' (docs/formats.md, Nested levels);
// a nested result has its levelEnds set and its levelSparsity left to the caller.
PackedMatrix pruneGs(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                     const std::vector<double>& sparsities, DType dtype);

}  // namespace prune_detail
}  // namespace gsparse
