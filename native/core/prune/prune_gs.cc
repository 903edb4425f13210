// GS pruning (docs/gs.md, Pruning): one layer-wide importance threshold, a whole number of
// packs per group from the weights above it, then a greedy bank-balanced fill of those packs,
// largest importance first (first-fit decreasing). Importance is |w| for magnitude pruning, else the
// caller's scores; every step ranks by it, the lanes take w's values. Packs are written straight
// into the GS format. Nested levels run the same fill sparsest level first, each denser level into
// new packs after the sparser levels' ones, from the weights not taken yet.
#include <algorithm>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>

#include "gsparse/errors.h"
#include "gsparse/thread_pool.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {

namespace {

constexpr uint32_t kNoRow = PackedMatrix::kNoRow;

// Fills the packs of one group at a time; its buffers are reused across the groups of one worker.
// Invariants after fill() or fillLevel(): in every pack, row r owns lanes [r*E, r*E + E) of which the
// first rowFill_ are real weights; real lanes sit in distinct banks (banks_ bit set); padding lanes
// hold value 0 and, when cols >= B, the smallest column of a bank no other lane of the pack uses.
class GroupPacker {
 public:
  GroupPacker(const float* w, const float* importance, uint32_t cols, const Pattern& p)
      : w_(w), importance_(importance), cols_(cols), B_(p.banks), E_(p.perRow), R_(p.groupRows()),
        divMagic_(cols > 1 ? UINT64_MAX / cols + 1 : 0) {}

  // rowOf[r]: original row of group row r (kNoRow for a virtual row); packs: the group's budget P;
  // cut: the layer threshold (Ranking cut over all weights).
  void fill(const uint32_t* rowOf, uint32_t packs, uint64_t cut) {
    rowOf_ = rowOf;
    reset(packs);
    if (P_ == 0) return;

    // Candidates: every weight of the group's real rows, keyed for "largest importance first" with ties
    // broken by (group row, column). The local index r*cols + c fits 32 bits: R*cols <= rows*cols
    // unless the matrix has fewer than R rows, and then r < rows. Those above the layer threshold go
    // to the front, the rest to the back.
    const std::size_t n = static_cast<std::size_t>(realRows_) * cols_;
    keys_.resize(n);
    std::size_t front = 0, back = n;
    for (uint32_t r = 0; r < R_; ++r) {
      if (rowOf_[r] == kNoRow) continue;
      const uint64_t global = static_cast<uint64_t>(rowOf_[r]) * cols_, local = static_cast<uint64_t>(r) * cols_;
      const float* x = importance_ + global;
      for (uint32_t c = 0; c < cols_; ++c) {
        const uint64_t k = Ranking::key(x[c], local + c);
        if (Ranking::key(x[c], global + c) < cut) keys_[front++] = k;  // the layer's order decides
        else keys_[--back] = k;
      }
    }

    // Take the candidates in descending order without sorting them all: first the ones above the
    // threshold (about the budget), then, while lanes stay empty, batches of the rest ordered only
    // as far as needed (nth_element + sort). Before each batch, candidates of rows that are already
    // full are dropped (a full row stays full); batches grow geometrically, so rounds are few.
    const uint64_t capacity = static_cast<uint64_t>(P_) * realRows_ * E_;
    const uint32_t rowCapacity = P_ * E_;
    std::size_t pos = 0, end = front, live = n;
    for (uint32_t round = 0; pos < live && filled_ < capacity; ++round) {
      if (pos < front) {
        sortByScore(front);  // the front is in ascending index order: a stable sort by score suffices
      } else {
        if (pos < end && end < live) std::nth_element(keys_.begin() + pos, keys_.begin() + end, keys_.begin() + live);
        std::sort(keys_.begin() + pos, keys_.begin() + end);
      }
      for (std::size_t i = pos; i < end && filled_ < capacity; ++i) {
        const uint32_t local = Ranking::indexOf(keys_[i]);
        place(local / cols_, local % cols_);
      }
      pos = end;
      if (filled_ == capacity) break;
      live = static_cast<std::size_t>(
          std::partition(keys_.begin() + pos, keys_.begin() + live,
                         [&](uint64_t k) { return rowPlaced_[Ranking::indexOf(k) / cols_] < rowCapacity; }) -
          keys_.begin());
      end = std::min<std::size_t>(live, pos + ((capacity - filled_) << std::min(round + 1, 24u)) + B_);
    }
    pad();
  }

  // Nested levels: starts a group whose levels fillLevel() fills, sparsest first. Every level takes
  // candidates in the same descending order as fill(), so they are sorted once, all of them, here.
  void startLevels(const uint32_t* rowOf) {
    rowOf_ = rowOf;
    keys_.clear();
    for (uint32_t r = 0; r < R_; ++r) {
      if (rowOf_[r] == kNoRow) continue;
      const float* x = importance_ + static_cast<uint64_t>(rowOf_[r]) * cols_;
      for (uint32_t c = 0; c < cols_; ++c) keys_.push_back(Ranking::key(x[c], static_cast<uint64_t>(r) * cols_ + c));
    }
    sortByScore(keys_.size());  // built in ascending index order
    taken_.assign(static_cast<std::size_t>(R_) * cols_, 0);
  }

  // The next denser level: `packs` new packs for the group, filled as fill() fills, from the weights
  // that no earlier level of the group took (their packs were written already).
  void fillLevel(uint32_t packs) {
    reset(packs);
    if (P_ == 0) return;
    const uint64_t capacity = static_cast<uint64_t>(P_) * realRows_ * E_;
    const uint32_t rowCapacity = P_ * E_;
    for (std::size_t i = 0; i < keys_.size() && filled_ < capacity; ++i) {
      const uint32_t local = Ranking::indexOf(keys_[i]);
      if (taken_[local]) continue;
      const uint32_t r = rowOfLocal(local);
      if (rowPlaced_[r] < rowCapacity) place(r, local - r * cols_);
    }
    pad();
    for (uint32_t p = 0; p < P_; ++p) {
      for (uint32_t r = 0; r < R_; ++r) {
        const std::size_t lane = static_cast<std::size_t>(p) * B_ + r * E_;
        for (uint32_t j = 0; j < rowFill_[static_cast<std::size_t>(p) * R_ + r]; ++j) {
          taken_[static_cast<std::size_t>(r) * cols_ + laneCol_[lane + j]] = 1;
        }
      }
    }
  }

  // Writes the packs, most important (largest L1 of the lanes' importance: of the values for
  // magnitude pruning) first, as packs [first, first + P) of m.
  void write(PackedMatrix& m, uint64_t first) {
    l1_.assign(P_, 0.0);
    for (uint32_t p = 0; p < P_; ++p) {
      for (uint32_t l = 0; l < B_; ++l) l1_[p] += std::fabs(laneImportance_[static_cast<std::size_t>(p) * B_ + l]);
    }
    order_.resize(P_);
    std::iota(order_.begin(), order_.end(), 0u);
    std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) { return l1_[a] > l1_[b]; });
    for (uint32_t i = 0; i < P_; ++i) {
      const std::size_t src = static_cast<std::size_t>(order_[i]) * B_, dst = (first + i) * B_;
      for (uint32_t l = 0; l < B_; ++l) {
        m.values.set(dst + l, laneVal_[src + l]);
        m.indices.set(dst + l, laneCol_[src + l]);
      }
    }
  }

 private:
  // Empty packs for a fill: P = packs, no lane taken.
  void reset(uint32_t packs) {
    P_ = packs;
    rowFill_.assign(static_cast<std::size_t>(P_) * R_, 0);
    rowPlaced_.assign(R_, 0);
    banks_.assign(P_, 0);
    cursor_.assign(static_cast<std::size_t>(R_) * B_, 0);
    words_ = (P_ + 63) / 64;
    const uint64_t lastWord = P_ % 64 ? (uint64_t{1} << (P_ % 64)) - 1 : ~uint64_t{0};
    rowOpen_.assign(static_cast<std::size_t>(R_) * words_, ~uint64_t{0});
    bankOpen_.assign(static_cast<std::size_t>(B_) * words_, ~uint64_t{0});
    for (uint32_t r = 0; r < R_ && words_; ++r) rowOpen_[(r + 1) * words_ - 1] = lastWord;
    for (uint32_t b = 0; b < B_ && words_; ++b) bankOpen_[(b + 1) * words_ - 1] = lastWord;
    laneCol_.assign(static_cast<std::size_t>(P_) * B_, 0);
    laneVal_.assign(static_cast<std::size_t>(P_) * B_, 0.0f);
    laneImportance_.assign(static_cast<std::size_t>(P_) * B_, 0.0f);
    realRows_ = 0;
    for (uint32_t r = 0; r < R_; ++r) realRows_ += rowOf_[r] != kNoRow;
    filled_ = 0;
  }

  // local / cols without a division (Lemire's fastdiv, exact for 32-bit operands).
  uint32_t rowOfLocal(uint32_t local) const {
    return cols_ == 1 ? local : static_cast<uint32_t>((static_cast<unsigned __int128>(divMagic_) * local) >> 64);
  }

  // Sorts keys_[0, count) whose low halves (indices) already ascend: a stable LSD radix sort on the
  // high halves (scores, 11 bits a pass) then orders them by the whole key. Passes whose digit is
  // the same for every key are skipped.
  void sortByScore(std::size_t count) {
    constexpr unsigned kBits = 11;
    constexpr std::size_t kBuckets = std::size_t{1} << kBits;
    scratch_.resize(count);
    uint64_t* src = keys_.data();
    uint64_t* dst = scratch_.data();
    std::vector<std::size_t> bucket(kBuckets);
    for (unsigned shift = 32; shift < 64; shift += kBits) {
      std::fill(bucket.begin(), bucket.end(), 0);
      for (std::size_t i = 0; i < count; ++i) ++bucket[(src[i] >> shift) & (kBuckets - 1)];
      if (std::any_of(bucket.begin(), bucket.end(), [&](std::size_t b) { return b == count; })) continue;
      std::size_t sum = 0;
      for (auto& b : bucket) sum += std::exchange(b, sum);
      for (std::size_t i = 0; i < count; ++i) dst[bucket[(src[i] >> shift) & (kBuckets - 1)]++] = src[i];
      std::swap(src, dst);
    }
    if (src != keys_.data()) std::copy(src, src + count, keys_.data());
  }

  // First fit: the first pack where row r has a free lane and bank(c) is free, found 64 packs at a
  // time in the AND of the row's and the bank's "open" bitsets. A pack that cannot take (r, bank)
  // never can later (lanes only fill up), so cursor_[r][bank] only moves forward.
  void place(uint32_t r, uint32_t c) {
    const uint32_t b = c & (B_ - 1);
    uint32_t& cursor = cursor_[static_cast<std::size_t>(r) * B_ + b];
    const uint64_t* rowOpen = rowOpen_.data() + static_cast<std::size_t>(r) * words_;
    const uint64_t* bankOpen = bankOpen_.data() + static_cast<std::size_t>(b) * words_;
    uint32_t p = P_;
    for (uint32_t word = cursor / 64; word < words_; ++word) {
      uint64_t open = rowOpen[word] & bankOpen[word];
      if (word == cursor / 64) open &= ~uint64_t{0} << (cursor % 64);
      if (open) {
        p = word * 64 + static_cast<uint32_t>(__builtin_ctzll(open));
        break;
      }
    }
    cursor = p;
    if (p == P_) return;
    uint8_t& fillCount = rowFill_[static_cast<std::size_t>(p) * R_ + r];
    const std::size_t lane = static_cast<std::size_t>(p) * B_ + r * E_ + fillCount;
    ++rowPlaced_[r];
    if (++fillCount == E_) rowOpen_[static_cast<std::size_t>(r) * words_ + p / 64] &= ~(uint64_t{1} << (p % 64));
    bankOpen_[static_cast<std::size_t>(b) * words_ + p / 64] &= ~(uint64_t{1} << (p % 64));
    banks_[p] |= uint64_t{1} << b;
    laneCol_[lane] = c;
    const std::size_t at = static_cast<std::size_t>(rowOf_[r]) * cols_ + c;
    laneVal_[lane] = w_[at];
    laneImportance_[lane] = importance_[at];
    ++filled_;
  }

  // Lanes left empty become padding (value 0, already there) in the pack's free banks.
  void pad() {
    const uint64_t all = B_ == 64 ? ~uint64_t{0} : (uint64_t{1} << B_) - 1;
    for (uint32_t p = 0; p < P_; ++p) {
      uint64_t free = ~banks_[p] & all;
      for (uint32_t r = 0; r < R_; ++r) {
        for (uint32_t j = rowFill_[static_cast<std::size_t>(p) * R_ + r]; j < E_; ++j) {
          uint32_t col = 0;  // cols < B: banks cannot all be distinct; column 0 is always valid
          if (cols_ >= B_) {
            col = static_cast<uint32_t>(__builtin_ctzll(free));  // smallest column of that bank
            free &= free - 1;
          }
          laneCol_[static_cast<std::size_t>(p) * B_ + r * E_ + j] = col;
        }
      }
    }
  }

  const float* w_;
  const float* importance_;  // ranks the weights (w_ itself for magnitude pruning)
  uint32_t cols_, B_, E_, R_;
  uint64_t divMagic_;  // ceil(2^64 / cols) for rowOfLocal (cols > 1)
  uint32_t P_ = 0, realRows_ = 0;
  const uint32_t* rowOf_ = nullptr;
  uint64_t filled_ = 0;
  std::vector<uint8_t> taken_;     // [row][col]: taken by an earlier level of the group (fillLevel)
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> scratch_;  // radix sort buffer
  std::vector<uint8_t> rowFill_;   // [pack][row]: real lanes taken (<= E)
  std::vector<uint32_t> rowPlaced_;  // [row]: real lanes taken over all packs (<= P*E)
  std::vector<uint64_t> banks_;    // [pack]: bit b set when bank b is taken
  std::vector<uint32_t> cursor_;   // [row][bank]: first pack that may still take (row, bank)
  uint32_t words_ = 0;             // 64-pack words per bitset
  std::vector<uint64_t> rowOpen_;  // [row][word]: bit p set while row has < E lanes in pack p
  std::vector<uint64_t> bankOpen_; // [bank][word]: bit p set while bank is free in pack p
  std::vector<uint32_t> laneCol_;  // [pack][lane]
  std::vector<float> laneVal_;     // [pack][lane]
  std::vector<float> laneImportance_;  // [pack][lane]: orders the packs in write()
  std::vector<double> l1_;
  std::vector<uint32_t> order_;
};

}  // namespace

PackedMatrix pruneGs(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                     const std::vector<double>& sparsities, DType dtype) {
  const uint32_t B = p.banks, E = p.perRow, R = p.groupRows();
  const uint32_t L = static_cast<uint32_t>(sparsities.size());  // 1..kMaxLevels
  const std::size_t n = static_cast<std::size_t>(rows) * cols;
  const std::size_t rowGrain = std::max<std::size_t>(1, (std::size_t{1} << 16) / cols);

  // Layer-wide thresholds: a weight is "above" level k iff among the round((1-s_k)*n) most important.
  // The cuts never increase with k (sparsities ascend), so the above sets nest.
  const std::vector<uint64_t> cut = Ranking(importance, n).cuts(keepCounts(n, sparsities));
  std::vector<uint32_t> above(static_cast<std::size_t>(rows) * L);  // [row][level]
  // levels: L, a compile-time 1 for a plain matrix (as fast as a loop without the inner one).
  auto countAbove = [&](std::size_t r, auto levels) {
    const uint64_t* cuts = cut.data();
    const float* x = importance + r * cols;
    uint32_t count[PackedMatrix::kMaxLevels] = {};
    for (uint32_t c = 0; c < cols; ++c) {
      const uint64_t key = Ranking::key(x[c], r * cols + c);
      for (uint32_t k = 0; k < static_cast<uint32_t>(levels); ++k) count[k] += key < cuts[k];
    }
    std::copy(count, count + L, above.begin() + r * L);
  };
  parallelFor(rows, rowGrain, [&](std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r) {
      if (L == 1) countAbove(r, std::integral_constant<uint32_t, 1>());
      else countAbove(r, L);
    }
  });

  // Group rows: consecutive, or with permute consecutive in the order of descending strength
  // (stable): the row's share of each level's kept weights, summed over the levels (each level weighs
  // the same), so one grouping serves them all; with one level, the order of the above count.
  std::vector<double> strength(rows, 0.0);
  for (uint32_t k = 0; k < L; ++k) {
    const double keep = static_cast<double>(std::max<uint64_t>(1, keepCount(n, sparsities[k])));
    for (uint32_t r = 0; r < rows; ++r) strength[r] += above[static_cast<std::size_t>(r) * L + k] / keep;
  }
  std::vector<uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  if (p.permute) std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return strength[a] > strength[b]; });
  const uint32_t groups = (rows + R - 1) / R;
  std::vector<uint32_t> rowOf(static_cast<std::size_t>(groups) * R, kNoRow);
  std::copy(order.begin(), order.end(), rowOf.begin());

  // Budget of each level: round(above-threshold count / real lanes per pack) packs. Real lanes per
  // pack are B except in a partial last group, whose virtual rows' lanes are all padding; dividing by
  // the real lanes keeps that group's density at the layer's. Budgets never grow with the level.
  std::vector<uint32_t> packs(static_cast<std::size_t>(groups) * L);  // [group][level]
  std::vector<uint64_t> packStart(groups + 1, 0), work(groups + 1, 0);
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t realRows = std::min(R, rows - g * R);
    const uint64_t lanes = static_cast<uint64_t>(realRows) * E;
    for (uint32_t k = 0; k < L; ++k) {
      uint64_t count = 0;
      for (uint32_t r = 0; r < realRows; ++r) count += above[static_cast<std::size_t>(rowOf[static_cast<std::size_t>(g) * R + r]) * L + k];
      packs[static_cast<std::size_t>(g) * L + k] = static_cast<uint32_t>((2 * count + lanes) / (2 * lanes));
    }
    const uint32_t densest = packs[static_cast<std::size_t>(g) * L];
    packStart[g + 1] = packStart[g] + densest;
    work[g + 1] = work[g] + static_cast<uint64_t>(realRows) * cols * L + static_cast<uint64_t>(densest) * B;
  }
  const uint64_t totalPacks = packStart[groups];
  require(totalPacks <= UINT32_MAX, "gs: expected at most 4294967295 packs, got " + std::to_string(totalPacks));

  PackedMatrix m;
  m.pattern = p;
  m.rows = rows;
  m.cols = cols;
  m.values.reset(dtype, totalPacks * B);
  m.indices.reset(indexWidthFor(cols), totalPacks * B);
  m.ptr.assign(packStart.begin(), packStart.end());
  if (p.permute) m.rowIds = rowOf;
  m.levelEnds.resize(static_cast<std::size_t>(L - 1) * groups);
  for (uint32_t k = 1; k < L; ++k) {
    for (uint32_t g = 0; g < groups; ++g) {
      m.levelEnds[static_cast<std::size_t>(k - 1) * groups + g] =
          static_cast<uint32_t>(packStart[g] + packs[static_cast<std::size_t>(g) * L + k]);
    }
  }

  // Sparsest level first; each denser level's packs follow the sparser ones' in the group.
  parallelForWeighted(groups, work.data(), uint64_t{1} << 16, [&](std::size_t b, std::size_t e) {
    GroupPacker packer(w, importance, cols, p);
    for (std::size_t g = b; g < e; ++g) {
      const uint32_t* budget = packs.data() + g * L;
      if (L == 1) {
        packer.fill(rowOf.data() + g * R, budget[0], cut[0]);
        packer.write(m, packStart[g]);
        continue;
      }
      packer.startLevels(rowOf.data() + g * R);
      for (uint32_t k = L; k-- > 0;) {
        const uint32_t sparser = k + 1 < L ? budget[k + 1] : 0;
        packer.fillLevel(budget[k] - sparser);
        packer.write(m, packStart[g] + sparser);
      }
    }
  });
  return m;
}

}  // namespace prune_detail
}  // namespace gsparse
