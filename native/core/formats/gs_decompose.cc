// Bank-distinct pack decomposition of GS groups (see gs_decompose.h for the method).
#include "gs_decompose.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "formats_internal.h"

namespace gsparse {
namespace formats {

GsDecomposer::GsDecomposer(uint32_t banks, uint32_t perRow, uint32_t cols)
    : B_(banks), E_(perRow), R_(banks / perRow), eShift_(static_cast<uint32_t>(__builtin_ctz(perRow))), cols_(cols) {}

uint64_t GsDecomposer::decompose(const GsGroupRows& group, std::vector<GsLane>& out) {
  packs_.clear();
  const uint64_t packs = packsNeeded(group);
  if (packs == 0) return 0;
  if (cols_ < B_) {
    // Fewer banks exist than lanes: bank distinctness is waived.
    placeInColumnOrder(group, packs);
  } else {
    buildRegularGraph(group, packs);
    peelMatchings(packs);
  }
  appendByImportance(out);
  return packs;
}

// The fewest packs that hold the group: every row slot and (when banks apply) every bank has
// degree <= P, which by König's theorem is also enough.
uint64_t GsDecomposer::packsNeeded(const GsGroupRows& group) const {
  uint64_t packs = 0;
  for (uint32_t r = 0; r < R_; ++r) packs = std::max(packs, ceilDiv(group.rowStart[r + 1] - group.rowStart[r], E_));
  if (cols_ >= B_) {
    std::vector<uint64_t> perBank(B_, 0);
    for (uint32_t i = group.rowStart[0]; i < group.rowStart[R_]; ++i) ++perBank[group.entries[i].col & (B_ - 1)];
    packs = std::max(packs, *std::max_element(perBank.begin(), perBank.end()));
  }
  return packs;
}

// Pack p takes nonzeros p*E .. p*E+E-1 of every row; missing ones are value 0 at column 0.
void GsDecomposer::placeInColumnOrder(const GsGroupRows& group, uint64_t packs) {
  packs_.assign(packs * B_, GsLane{0, 0.0f});
  for (uint32_t r = 0; r < R_; ++r) {
    const uint32_t begin = group.rowStart[r], k = group.rowStart[r + 1] - begin;
    for (uint32_t i = 0; i < k; ++i) packs_[(i >> eShift_) * B_ + r * E_ + (i & (E_ - 1))] = group.entries[begin + i];
  }
}

// Builds the P-regular (row slot x bank) multigraph: row r's i-th nonzero goes to slot r*E + i%E
// (so every slot has degree <= P), then padding edges fill the deficits. Also buckets the nonzeros
// by (row, bank) so a matched edge can pick an actual column.
void GsDecomposer::buildRegularGraph(const GsGroupRows& group, uint64_t packs) {
  real_.assign(std::size_t{B_} * B_, 0);
  bucketStart_.assign(std::size_t{R_} * B_ + 1, 0);
  const uint32_t first = group.rowStart[0];
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t i = group.rowStart[r]; i < group.rowStart[r + 1]; ++i) {
      const uint32_t bank = group.entries[i].col & (B_ - 1);
      const uint32_t slot = r * E_ + ((i - group.rowStart[r]) & (E_ - 1));
      ++real_[slot * B_ + bank];
      ++bucketStart_[r * B_ + bank + 1];
    }
  }
  std::partial_sum(bucketStart_.begin(), bucketStart_.end(), bucketStart_.begin());
  bucketNext_.assign(bucketStart_.begin(), bucketStart_.end() - 1);
  bucket_.resize(group.rowStart[R_] - first);
  for (uint32_t r = 0; r < R_; ++r) {
    for (uint32_t i = group.rowStart[r]; i < group.rowStart[r + 1]; ++i) {
      bucket_[bucketNext_[r * B_ + (group.entries[i].col & (B_ - 1))]++] = group.entries[i];
    }
  }
  bucketNext_.assign(bucketStart_.begin(), bucketStart_.end() - 1);
  count_ = real_;
  addPadding(packs);
  support_.assign(B_, 0);
  for (uint32_t s = 0; s < B_; ++s) {
    for (uint32_t b = 0; b < B_; ++b) {
      if (count_[s * B_ + b] > 0) support_[s] |= uint64_t{1} << b;
    }
  }
}

// Pairs deficient row slots with deficient banks until every degree is P. Both sides miss the same
// total (B*P - nonzeros), so one sweep of two cursors closes every deficit.
void GsDecomposer::addPadding(uint64_t packs) {
  std::vector<uint64_t> slotDeficit(B_, packs), bankDeficit(B_, packs);
  for (uint32_t s = 0; s < B_; ++s) {
    for (uint32_t b = 0; b < B_; ++b) {
      slotDeficit[s] -= count_[s * B_ + b];
      bankDeficit[b] -= count_[s * B_ + b];
    }
  }
  uint32_t s = 0, b = 0;
  while (s < B_ && b < B_) {
    if (slotDeficit[s] == 0) { ++s; continue; }
    if (bankDeficit[b] == 0) { ++b; continue; }
    const uint64_t add = std::min(slotDeficit[s], bankDeficit[b]);
    count_[s * B_ + b] += add;
    slotDeficit[s] -= add;
    bankDeficit[b] -= add;
  }
}

// Kuhn's augmenting path from an unmatched row slot over the current support; `visited` marks banks.
bool GsDecomposer::augment(uint32_t slot, uint64_t& visited) {
  for (uint64_t cand = support_[slot] & ~visited; cand != 0; cand = support_[slot] & ~visited) {
    const uint32_t b = static_cast<uint32_t>(__builtin_ctzll(cand));
    visited |= uint64_t{1} << b;
    if (matchOfBank_[b] < 0 || augment(static_cast<uint32_t>(matchOfBank_[b]), visited)) {
      matchOfSlot_[slot] = static_cast<int>(b);
      matchOfBank_[b] = static_cast<int>(slot);
      return true;
    }
  }
  return false;
}

// Birkhoff-von-Neumann peeling: take a perfect matching of the support, emit it k = (its smallest
// count) times, subtract, and repair only the edges that dropped to zero. The remaining graph stays
// regular, so a perfect matching always exists (König) and every repair finds an augmenting path.
void GsDecomposer::peelMatchings(uint64_t packs) {
  matchOfSlot_.assign(B_, -1);
  matchOfBank_.assign(B_, -1);
  packs_.clear();
  packs_.reserve(packs * B_);
  uint64_t emitted = 0;
  while (true) {
    for (uint32_t s = 0; s < B_; ++s) {
      uint64_t visited = 0;
      if (matchOfSlot_[s] < 0 && !augment(s, visited)) {
        fail(ErrorCode::Internal, "gs decomposition: regular graph without a perfect matching");
      }
    }
    uint64_t times = UINT64_MAX;
    for (uint32_t s = 0; s < B_; ++s) times = std::min(times, count_[s * B_ + matchOfSlot_[s]]);
    emitPacks(times);
    emitted += times;
    if (emitted == packs) return;
    for (uint32_t s = 0; s < B_; ++s) {
      const uint32_t b = static_cast<uint32_t>(matchOfSlot_[s]);
      if ((count_[s * B_ + b] -= times) > 0) continue;
      support_[s] &= ~(uint64_t{1} << b);
      matchOfSlot_[s] = -1;
      matchOfBank_[b] = -1;
    }
  }
}

// Emits the current matching `times` times: lane s of a pack is row slot s. A matched edge is a real
// nonzero of that row in that bank while any are left, else padding (value 0 at column = bank).
void GsDecomposer::emitPacks(uint64_t times) {
  for (uint64_t t = 0; t < times; ++t) {
    for (uint32_t s = 0; s < B_; ++s) {
      const uint32_t b = static_cast<uint32_t>(matchOfSlot_[s]);
      uint64_t& real = real_[s * B_ + b];
      if (real > 0) {
        --real;
        packs_.push_back(bucket_[bucketNext_[(s >> eShift_) * B_ + b]++]);
      } else {
        packs_.push_back(GsLane{b, 0.0f});
      }
    }
  }
}

// Most important pack first: descending L1 norm, ties in the order found.
void GsDecomposer::appendByImportance(std::vector<GsLane>& out) {
  const std::size_t packs = packs_.size() / B_;
  std::vector<double> norm(packs, 0.0);
  for (std::size_t p = 0; p < packs; ++p) {
    for (uint32_t l = 0; l < B_; ++l) norm[p] += std::fabs(packs_[p * B_ + l].value);
  }
  std::vector<uint32_t> order(packs);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return norm[a] > norm[b] || (norm[a] == norm[b] && a < b); });
  for (std::size_t p : order) out.insert(out.end(), packs_.begin() + p * B_, packs_.begin() + (p + 1) * B_);
}

}  // namespace formats
}  // namespace gsparse
