// Internal to native/core/formats: splitting one GS group's nonzeros into bank-distinct packs.
#pragma once
#include <cstdint>
#include <vector>

namespace gsparse {
namespace formats {

// One lane of a pack, or one nonzero of a row (the value is the dense input, before dtype rounding).
struct GsLane {
  uint32_t col;
  float value;
};

// The R rows of one group: the nonzeros of group row r are entries[rowStart[r], rowStart[r + 1]) in
// ascending column order. Virtual rows (past the end of the matrix) are empty.
struct GsGroupRows {
  const GsLane* entries;
  const uint32_t* rowStart;  // R + 1 offsets
};

// Finds the packs of GS groups (docs/gs.md, Packing a matrix pruned elsewhere): the fewest packs P
// of B lanes (P = the larger of max_r ceil(k_r / E) and, when cols >= B, the largest bank count), lanes
// [r*E, r*E + E) of every pack holding E nonzeros (or value-0 padding) of group row r, and, when
// cols >= B, the B lanes of a pack in B distinct banks (bank = column mod B). Packs come out ordered
// by descending L1 norm, so a prefix of a group's packs is a valid sparser level.
//
// With cols >= B this is an edge colouring of a bipartite multigraph: each row is split into E row
// slots of degree <= P, padding edges make the (row slot x bank) graph P-regular, and König's theorem
// gives P perfect matchings, found Birkhoff-von-Neumann style on a B x B count matrix. So every group
// decomposes; how much padding it needs is what says whether a matrix has the pattern (gs.cc).
// Keeps its scratch buffers between groups; not thread-safe.
class GsDecomposer {
 public:
  GsDecomposer(uint32_t banks, uint32_t perRow, uint32_t cols);

  // Appends the group's packs (B lanes each) to `out`; returns how many.
  uint64_t decompose(const GsGroupRows& group, std::vector<GsLane>& out);

 private:
  uint64_t packsNeeded(const GsGroupRows& group) const;
  void placeInColumnOrder(const GsGroupRows& group, uint64_t packs);
  void buildRegularGraph(const GsGroupRows& group, uint64_t packs);
  void addPadding(uint64_t packs);
  void peelMatchings(uint64_t packs);
  bool augment(uint32_t slot, uint64_t& visited);
  void emitPacks(uint64_t times);
  void appendByImportance(std::vector<GsLane>& out);

  uint32_t B_, E_, R_;
  uint32_t eShift_;  // log2(E): E divides the power of two B
  uint32_t cols_;
  std::vector<uint64_t> count_;        // B*B: edges (row slot s, bank b) still to emit, real + padding
  std::vector<uint64_t> real_;         // B*B: how many of those are real nonzeros
  std::vector<uint64_t> support_;      // per row slot: bit b set while count_(s, b) > 0
  std::vector<int> matchOfSlot_;       // bank matched to each row slot, -1 if none
  std::vector<int> matchOfBank_;       // row slot matched to each bank, -1 if none
  std::vector<uint32_t> bucketStart_;  // R*B + 1: the nonzeros of (row, bank) in bucket_
  std::vector<uint32_t> bucketNext_;   // R*B: next unused nonzero of (row, bank)
  std::vector<GsLane> bucket_;         // the group's nonzeros ordered by (row, bank)
  std::vector<GsLane> packs_;          // the group's packs, in the order found
};

}  // namespace formats
}  // namespace gsparse
