// Internal to native/core/prune: the shared selection helper and one entry point per method.
// Each method file does one job; prune.cc checks the arguments, dispatches, and packs.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gsparse/packed_matrix.h"

namespace gsparse {
namespace prune_detail {

// Number of entries kept out of `total` at a target sparsity: round((1 - s) * total).
uint64_t keepCount(uint64_t total, double sparsity);

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
PackedMatrix pruneGs(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                     double sparsity, DType dtype);

}  // namespace prune_detail
}  // namespace gsparse
