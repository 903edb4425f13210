// Packed formats: pack / toDense / validate / nonzeros for every format and dtype, the GS pack
// decomposition, and validate's detection of hand-made corruptions.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "gsparse/errors.h"
#include "gsparse/fp16.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/pattern.h"
#include "test_fixtures.h"
#include "test_framework.h"

using namespace gsparse;

namespace {

// ---- patterns and shapes -------------------------------------------------------------------------

using gstest::Shape;
using gstest::allPatterns;
using gstest::blockPattern;
using gstest::channelPattern;
using gstest::csrPattern;
using gstest::densePattern;
using gstest::gsPattern;
using gstest::nmPattern;
using gstest::stored;

const Shape kShapes[] = {{1, 1}, {7, 5}, {16, 16}, {33, 70}, {200, 777}, {64, 1025}, {3, 70000}};

std::string label(const Pattern& p, Shape s, DType t) {
  return patternToString(p) + " " + std::to_string(s.rows) + "x" + std::to_string(s.cols) +
         (t == DType::F32 ? " f32" : " f16");
}

// ---- test-local masking: random matrices that have a pattern -------------------------------------

using gstest::nonzeroMatrix;

// Block: whole blocks dropped, then single entries (a stored block may hold zeros).
void maskBlocks(std::vector<float>& w, Shape s, const Pattern& p, std::mt19937& gen) {
  gstest::dropBlocks(w, s, p.blockRows, p.blockCols, 0.5, gen);
  gstest::dropBlocks(w, s, 1, 1, 0.2, gen);
}

// Channel: whole rows dropped, then single entries.
void maskRows(std::vector<float>& w, Shape s, std::mt19937& gen) {
  gstest::dropBlocks(w, s, 1, s.cols, 0.4, gen);
  gstest::dropBlocks(w, s, 1, 1, 0.2, gen);
}

// N:M: n random survivors in every group of m; some survivors are dropped too, so groups with fewer
// than n nonzeros (filler slots) occur.
void maskNM(std::vector<float>& w, Shape s, const Pattern& p, std::mt19937& gen) {
  gstest::keepRandomNM(w, s, p.n, p.m, gen);
  gstest::dropBlocks(w, s, 1, 1, 0.2, gen);
}

// GS, cols >= B: builds every group from random full packs (a random bank per lane, distinct within
// the pack; a random unused column of that bank for the lane's row), stopping at `target` packs or
// when some row has used up a bank. Returns the packs built. Virtual rows get nothing.
uint32_t buildGsGroup(std::vector<float>& w, Shape s, const Pattern& p, const std::vector<float>& values,
                      const std::vector<uint32_t>& groupRows, uint32_t target, std::mt19937& gen) {
  const uint32_t B = p.banks, E = p.perRow;
  std::vector<uint32_t> banks(B);
  std::iota(banks.begin(), banks.end(), 0u);
  uint32_t built = 0;
  for (; built < target; ++built) {
    std::shuffle(banks.begin(), banks.end(), gen);
    std::vector<std::pair<size_t, float>> lanes;
    for (uint32_t l = 0; l < B; ++l) {
      uint32_t gr = l / E;
      if (gr >= groupRows.size()) continue;  // virtual row
      uint32_t row = groupRows[gr], bank = banks[l];
      uint32_t inBank = (s.cols - bank + B - 1) / B;
      uint32_t start = std::uniform_int_distribution<uint32_t>(0, inBank - 1)(gen);
      bool placed = false;
      for (uint32_t t = 0; t < inBank && !placed; ++t) {
        // A row's lanes in one pack sit in distinct banks, so only earlier packs can hold `at`.
        size_t at = size_t(row) * s.cols + bank + size_t((start + t) % inBank) * B;
        if (w[at] == 0.0f) {
          lanes.emplace_back(at, values[at]);
          placed = true;
        }
      }
      if (!placed) return built;  // this row has used up the bank: stop before a partial pack
    }
    for (auto& [at, v] : lanes) w[at] = v;
  }
  return built;
}

// GS without permute: groups of consecutive rows with random pack counts; then every row but the
// group's first loses some nonzeros (the first keeps P*E, so P stays the pack count and every bank
// still fits), leaving padding lanes to fill (about 10%, inside what pack() accepts).
std::vector<float> gsMatrix(Shape s, const Pattern& p, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<float> values = nonzeroMatrix(size_t(s.rows) * s.cols, seed + 1), w(values.size(), 0.0f);
  if (s.cols < p.banks) {  // banks are waived: any matrix has the pattern
    w = values;
    gstest::dropBlocks(w, s, 1, 1, 0.5, gen);
    return w;
  }
  const uint32_t R = p.groupRows();
  std::bernoulli_distribution drop(0.1);
  for (uint32_t g0 = 0; g0 < s.rows; g0 += R) {
    std::vector<uint32_t> rows;
    for (uint32_t r = g0; r < std::min(s.rows, g0 + R); ++r) rows.push_back(r);
    uint32_t target = std::uniform_int_distribution<uint32_t>(0, 2 * (s.cols / p.banks) + 2)(gen);
    buildGsGroup(w, s, p, values, rows, target, gen);
    for (uint32_t r = g0 + 1; r < std::min(s.rows, g0 + R); ++r) {
      for (uint32_t c = 0; c < s.cols; ++c) {
        if (drop(gen)) w[size_t(r) * s.cols + c] = 0.0f;
      }
    }
  }
  return w;
}

// GS with permute: group g gets full packs, strictly fewer than group g-1, so every row of a group
// has the same count and sorting rows by count recovers the groups; then the rows are shuffled.
std::vector<float> gsPermutedMatrix(Shape s, const Pattern& p, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<float> values = nonzeroMatrix(size_t(s.rows) * s.cols, seed + 1), w(values.size(), 0.0f);
  if (s.cols < p.banks) {
    w = values;
    gstest::dropBlocks(w, s, 1, 1, 0.5, gen);
    return w;
  }
  const uint32_t R = p.groupRows();
  uint32_t target = 2 * (s.cols / p.banks) + 2;
  for (uint32_t g0 = 0; g0 < s.rows && target > 0; g0 += R) {
    std::vector<uint32_t> rows;
    for (uint32_t r = g0; r < std::min(s.rows, g0 + R); ++r) rows.push_back(r);
    target = buildGsGroup(w, s, p, values, rows, target, gen);
    target = target == 0 ? 0 : target - 1;
  }
  std::vector<uint32_t> perm(s.rows);
  std::iota(perm.begin(), perm.end(), 0u);
  std::shuffle(perm.begin(), perm.end(), gen);
  std::vector<float> shuffled(w.size());
  for (uint32_t r = 0; r < s.rows; ++r) {
    std::copy_n(w.begin() + size_t(perm[r]) * s.cols, s.cols, shuffled.begin() + size_t(r) * s.cols);
  }
  return shuffled;
}

std::vector<float> matrixWithPattern(const Pattern& p, Shape s, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<float> w = nonzeroMatrix(size_t(s.rows) * s.cols, seed);
  switch (p.kind) {
    case Kind::Dense: break;
    case Kind::Csr: gstest::dropBlocks(w, s, 1, 1, 0.6, gen); break;
    case Kind::Block: maskBlocks(w, s, p, gen); break;
    case Kind::Channel: maskRows(w, s, gen); break;
    case Kind::NM: maskNM(w, s, p, gen); break;
    case Kind::GS: return p.permute ? gsPermutedMatrix(s, p, seed) : gsMatrix(s, p, seed);
  }
  return w;
}

// ---- checks from outside the implementation ------------------------------------------------------

bool validates(const PackedMatrix& m, std::string* why = nullptr) {
  try {
    validate(m);
    return true;
  } catch (const Error& e) {
    if (why) *why = e.what();
    return false;
  }
}

uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Array sizes each format implies, computed independently of the implementation.
void checkArraySizes(const PackedMatrix& m, const std::vector<float>& w, const std::string& what) {
  const Pattern& p = m.pattern;
  const uint64_t nnz = std::count_if(w.begin(), w.end(), [](float v) { return v != 0.0f; });
  const size_t vb = m.dtype() == DType::F32 ? 4 : 2;
  CHECK_MSG(m.byteSize() == m.values.size() * vb + m.indices.size() * m.indices.width() +
                                4 * (m.ptr.size() + m.rowIds.size()),
            what);
  switch (p.kind) {
    case Kind::Dense: CHECK_MSG(m.values.size() == size_t(m.rows) * m.cols, what); break;
    case Kind::Csr:
      CHECK_MSG(m.values.size() == nnz && m.indices.size() == nnz && m.ptr.size() == m.rows + 1u, what);
      CHECK_MSG(m.indices.width() == (m.cols <= 65536 ? 2u : 4u), what);
      break;
    case Kind::Block:
      CHECK_MSG(m.ptr.size() == ceilDiv(m.rows, p.blockRows) + 1, what);
      CHECK_MSG(m.values.size() == m.indices.size() * p.blockRows * p.blockCols, what);
      break;
    case Kind::NM:
      CHECK_MSG(m.values.size() == size_t(m.rows) * ceilDiv(m.cols, p.m) * p.n && m.indices.width() == 1, what);
      break;
    case Kind::GS:
      CHECK_MSG(m.ptr.size() == ceilDiv(m.rows, p.groupRows()) + 1, what);
      CHECK_MSG(m.values.size() == size_t(m.ptr.back()) * p.banks, what);
      CHECK_MSG(m.rowIds.size() == (p.permute ? (m.ptr.size() - 1) * p.groupRows() : 0), what);
      CHECK_MSG(m.indices.width() == (m.cols <= 65536 ? 2u : 4u), what);
      break;
    case Kind::Channel: {
      uint64_t keptRows = 0;
      for (uint32_t r = 0; r < m.rows; ++r) {
        keptRows += std::any_of(w.begin() + size_t(r) * m.cols, w.begin() + size_t(r + 1) * m.cols,
                                [](float v) { return v != 0.0f; });
      }
      CHECK_MSG(m.rowIds.size() == keptRows && m.values.size() == keptRows * m.cols, what);
      break;
    }
  }
}

// GS invariants: banks distinct per pack when cols >= B, group pack count = max_r ceil(k_r/E), packs
// ordered by non-increasing L1 norm inside a group.
void checkGsInvariants(const PackedMatrix& m, const std::string& what) {
  const uint32_t B = m.pattern.banks, E = m.pattern.perRow, R = m.pattern.groupRows();
  size_t clashes = 0, unordered = 0, extraPacks = 0;
  for (size_t g = 0; g + 1 < m.ptr.size(); ++g) {
    std::vector<uint64_t> rowCount(R, 0), bankCount(B, 0);
    double prevNorm = std::numeric_limits<double>::infinity();
    for (uint32_t p = m.ptr[g]; p < m.ptr[g + 1]; ++p) {
      uint64_t banks = 0;
      double norm = 0;
      for (uint32_t l = 0; l < B; ++l) {
        uint32_t c = m.indices.get(size_t(p) * B + l);
        float v = m.values.get(size_t(p) * B + l);
        if (m.cols >= B) {
          clashes += banks >> (c % B) & 1;
          banks |= uint64_t{1} << (c % B);
        }
        rowCount[l / E] += v != 0.0f;
        bankCount[c % B] += v != 0.0f;
        norm += std::fabs(v);
      }
      unordered += norm > prevNorm * (1 + 1e-6);
      prevNorm = norm;
    }
    uint64_t needed = 0;
    for (uint64_t k : rowCount) needed = std::max(needed, ceilDiv(k, E));
    if (m.cols >= B) needed = std::max(needed, *std::max_element(bankCount.begin(), bankCount.end()));
    extraPacks += m.ptr[g + 1] - m.ptr[g] != needed;
  }
  CHECK_MSG(clashes == 0, what + ": " + std::to_string(clashes) + " bank clashes");
  CHECK_MSG(unordered == 0, what + ": " + std::to_string(unordered) + " packs out of L1 order");
  CHECK_MSG(extraPacks == 0, what + ": " + std::to_string(extraPacks) + " groups with a wrong pack count");
}

void checkRoundTrip(const std::vector<float>& w, Shape s, const Pattern& p, DType t, const std::string& what) {
  PackedMatrix m = pack(w.data(), s.rows, s.cols, p, t);
  std::string why;
  CHECK_MSG(validates(m, &why), what + ": " + why);
  std::vector<float> out(w.size(), -1.0f);
  toDense(m, out.data());
  size_t mismatches = 0;
  uint64_t nnz = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    mismatches += out[i] != stored(w[i], t);
    nnz += stored(w[i], t) != 0.0f;
  }
  CHECK_MSG(mismatches == 0, what + ": " + std::to_string(mismatches) + " entries differ");
  CHECK_MSG(m.nonzeros() == nnz, what + ": nonzeros " + std::to_string(m.nonzeros()) + " vs " + std::to_string(nnz));
  checkArraySizes(m, w, what);
  if (p.kind == Kind::GS) checkGsInvariants(m, what);
}

template <class F>
std::string errorText(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ---- round trips ---------------------------------------------------------------------------------

TEST(every_format_round_trips_on_every_shape) {
  uint32_t seed = 1;
  for (const Pattern& p : allPatterns()) {
    for (Shape s : kShapes) {
      std::vector<float> w = matrixWithPattern(p, s, seed++);
      for (DType t : {DType::F32, DType::F16}) checkRoundTrip(w, s, p, t, label(p, s, t));
    }
  }
}

TEST(wide_matrices_use_32_bit_indices) {
  std::vector<float> w = matrixWithPattern(csrPattern(), {3, 70000}, 7);
  PackedMatrix csr = pack(w.data(), 3, 70000, csrPattern(), DType::F32);
  CHECK(csr.indices.width() == 4);
  CHECK(pack(w.data(), 3, 65536, csrPattern(), DType::F32).indices.width() == 2);
  PackedMatrix gs = pack(matrixWithPattern(gsPattern(16), {3, 70000}, 8).data(), 3, 70000, gsPattern(16), DType::F16);
  CHECK(gs.indices.width() == 4);
  PackedMatrix block = pack(w.data(), 3, 70000, blockPattern(1, 2), DType::F32);
  CHECK(block.indices.width() == 2);  // 35000 block columns
}

TEST(all_zero_matrix_packs_empty) {
  std::vector<float> w(33 * 70, 0.0f);
  for (const Pattern& p : allPatterns()) {
    PackedMatrix m = pack(w.data(), 33, 70, p, DType::F32);
    CHECK_MSG(validates(m), patternToString(p));
    CHECK_MSG(m.nonzeros() == 0, patternToString(p));
    if (p.kind == Kind::GS) CHECK_MSG(m.values.size() == 0, patternToString(p));
    std::vector<float> out(w.size(), 5.0f);
    toDense(m, out.data());
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 0.0f; }));
  }
}

// ---- N:M -----------------------------------------------------------------------------------------

TEST(nm_fills_missing_slots_with_increasing_offsets) {
  // Row of 10 columns as 2:4: groups [0..3], [4..7], [8..9]. Group 0 holds one nonzero at offset 2.
  std::vector<float> w = {0, 0, 3, 0, 1, 0, 0, 2, 0, 5};
  PackedMatrix m = pack(w.data(), 1, 10, nmPattern(2, 4), DType::F32);
  CHECK(m.values.size() == 6);
  std::vector<uint32_t> offsets;
  for (size_t i = 0; i < 6; ++i) offsets.push_back(m.indices.get(i));
  CHECK((offsets == std::vector<uint32_t>{0, 2, 0, 3, 0, 1}));
  CHECK(m.values.get(1) == 3 && m.values.get(2) == 1 && m.values.get(3) == 2 && m.values.get(5) == 5);
  // A partial group narrower than n: 3:4 on 5 columns -> last group has width 1.
  std::vector<float> v = {1, 0, 2, 3, 4};
  PackedMatrix narrow = pack(v.data(), 1, 5, nmPattern(3, 4), DType::F32);
  CHECK(narrow.indices.get(3) == 0 && narrow.values.get(3) == 4);
  CHECK(narrow.indices.get(4) == 0 && narrow.values.get(4) == 0);
  CHECK(narrow.indices.get(5) == 0 && narrow.values.get(5) == 0);
  CHECK(validates(narrow));
}

TEST(nm_with_too_many_nonzeros_is_a_range_error) {
  std::vector<float> w(4 * 16, 0.0f);
  w[3 * 16 + 8] = w[3 * 16 + 9] = w[3 * 16 + 11] = 1.0f;
  CHECK_THROWS_CODE(pack(w.data(), 4, 16, nmPattern(2, 4), DType::F32), ErrorCode::Range);
  std::string msg = errorText([&] { pack(w.data(), 4, 16, nmPattern(2, 4), DType::F32); });
  CHECK_MSG(msg == "pattern 2:4: row 3, columns 8..11 hold 3 nonzeros, expected at most 2", msg);
  CHECK(validates(pack(w.data(), 4, 16, nmPattern(3, 4), DType::F32)));
}

// ---- input checks --------------------------------------------------------------------------------

TEST(non_finite_and_bad_arguments_are_range_errors) {
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  for (const Pattern& p : allPatterns()) {
    for (float b : bad) {
      std::vector<float> w(16 * 16, 0.0f);
      w[37] = b;
      CHECK_THROWS_CODE(pack(w.data(), 16, 16, p, DType::F32), ErrorCode::Range);
    }
  }
  std::vector<float> w(4, 0.0f);
  w[2] = std::numeric_limits<float>::quiet_NaN();
  std::string msg = errorText([&] { pack(w.data(), 2, 2, csrPattern(), DType::F32); });
  CHECK_MSG(msg == "w[2]: expected a finite value, got NaN", msg);
  w[2] = 1e6f;  // finite in f32, overflows f16
  CHECK(validates(pack(w.data(), 2, 2, csrPattern(), DType::F32)));
  CHECK_THROWS_CODE(pack(w.data(), 2, 2, csrPattern(), DType::F16), ErrorCode::Range);
  CHECK_THROWS_CODE(pack(w.data(), 0, 2, csrPattern(), DType::F32), ErrorCode::Range);
  CHECK_THROWS_CODE(pack(w.data(), 2, 0, csrPattern(), DType::F32), ErrorCode::Range);
  CHECK_THROWS_CODE(pack(w.data(), 2, 2, gsPattern(12), DType::F32), ErrorCode::Range);
  CHECK_THROWS_CODE(pack(w.data(), 2, 2, gsPattern(16, 3), DType::F32), ErrorCode::Range);
  CHECK_THROWS_CODE(pack(w.data(), 2, 2, nmPattern(5, 4), DType::F32), ErrorCode::Range);
  CHECK_THROWS_CODE(pack(w.data(), 2, 2, blockPattern(0, 4), DType::F32), ErrorCode::Range);
}

// ---- GS ------------------------------------------------------------------------------------------

namespace {

// Reference for pack()'s acceptance rule, straight from its definition: per group of consecutive
// rows, P = the larger of max_r ceil(k_r / E) and (when cols >= B) the largest bank count; the padding
// lanes of real rows, sum(P * E * realRows) - nnz, must be at most nnz / 4 plus the padding a fully
// dense matrix of the shape needs (no limit when cols < B).
bool gsAcceptable(const std::vector<float>& w, Shape s, const Pattern& p) {
  const uint32_t R = p.groupRows(), B = p.banks;
  uint64_t nnz = 0, lanes = 0, denseLanes = 0;
  for (uint32_t g0 = 0; g0 < s.rows; g0 += R) {
    std::vector<uint64_t> bank(B, 0);
    uint64_t packs = 0, realRows = 0;
    for (uint32_t r = g0; r < std::min(s.rows, g0 + R); ++r, ++realRows) {
      uint64_t k = 0;
      for (uint32_t c = 0; c < s.cols; ++c) {
        if (w[size_t(r) * s.cols + c] != 0.0f) ++k, ++bank[c % B];
      }
      nnz += k;
      packs = std::max(packs, ceilDiv(k, p.perRow));
    }
    if (s.cols >= B) packs = std::max(packs, *std::max_element(bank.begin(), bank.end()));
    lanes += packs * p.perRow * realRows;
    // A dense group: rows of s.cols nonzeros, banks of realRows * ceil(cols / B).
    uint64_t densePacks = ceilDiv(s.cols, p.perRow);
    if (s.cols >= B) densePacks = std::max<uint64_t>(densePacks, realRows * ceilDiv(s.cols, B));
    denseLanes += (densePacks * p.perRow - s.cols) * realRows;
  }
  return s.cols < B || double(lanes - nnz) <= 0.25 * double(nnz) + double(denseLanes);
}

// Unstructured random matrix whose rows have very different densities.
std::vector<float> unstructured(Shape s, uint32_t seed, double minDensity, double maxDensity) {
  std::mt19937 gen(seed);
  std::vector<float> w = nonzeroMatrix(size_t(s.rows) * s.cols, seed);
  std::uniform_real_distribution<double> density(minDensity, maxDensity);
  for (uint32_t r = 0; r < s.rows; ++r) {
    std::bernoulli_distribution keep(density(gen));
    for (uint32_t c = 0; c < s.cols; ++c) {
      if (!keep(gen)) w[size_t(r) * s.cols + c] = 0.0f;
    }
  }
  return w;
}

}  // namespace

TEST(gs_unbalanced_matrix_is_a_range_error) {
  const Shape s{64, 256};
  // Plain i.i.d. 50% random rows are nearly balanced: they pack with a few percent of padding.
  std::vector<float> iid = unstructured(s, 42, 0.5, 0.5);
  CHECK(gsAcceptable(iid, s, gsPattern(16)));
  checkRoundTrip(iid, s, gsPattern(16), DType::F32, "iid 50%");
  // Rows of very different counts (5%..40%) would need mostly padding: not the GS pattern.
  std::vector<float> uneven = unstructured(s, 43, 0.05, 0.4);
  CHECK(!gsAcceptable(uneven, s, gsPattern(16)));
  std::string msg = errorText([&] { pack(uneven.data(), s.rows, s.cols, gsPattern(16), DType::F32); });
  CHECK_MSG(msg.find("pattern gs:16: the matrix does not have the pattern: packing its ") == 0, msg);
  // One hot input bank in an otherwise sparse group forces packs that are almost all padding.
  std::vector<float> hot(size_t(s.rows) * s.cols, 0.0f);
  for (uint32_t r = 0; r < s.rows; ++r) {
    for (uint32_t c = 5; c < s.cols; c += 16) hot[size_t(r) * s.cols + c] = 1.0f;
  }
  CHECK(!gsAcceptable(hot, s, gsPattern(16)));
  CHECK_THROWS_CODE(pack(hot.data(), s.rows, s.cols, gsPattern(16), DType::F32), ErrorCode::Range);
}

TEST(gs_packs_exactly_when_padding_is_within_the_limit) {
  // Both directions of the acceptance rule on many random matrices with rows of varied counts.
  int packed = 0, refused = 0;
  for (uint32_t seed = 0; seed < 60; ++seed) {
    const Pattern p = seed % 3 == 0 ? gsPattern(16) : seed % 3 == 1 ? gsPattern(16, 4) : gsPattern(8, 2);
    const Shape s{37, 96 + seed};
    const double spread = 0.05 + 0.6 * (seed % 10) / 10.0;  // from balanced to very uneven rows
    std::vector<float> w = unstructured(s, 100 + seed, 0.7 - spread, 0.7);
    const bool expected = gsAcceptable(w, s, p);
    std::string what = patternToString(p) + " seed " + std::to_string(seed);
    try {
      PackedMatrix m = pack(w.data(), s.rows, s.cols, p, DType::F32);
      CHECK_MSG(expected, what + ": packed a matrix that needs too much padding");
      checkRoundTrip(w, s, p, DType::F32, what);
      ++packed;
    } catch (const Error& e) {
      CHECK_MSG(!expected && e.code() == ErrorCode::Range, what + ": " + e.what());
      ++refused;
    }
  }
  CHECK_MSG(packed > 5 && refused > 5, "packed " + std::to_string(packed) + ", refused " + std::to_string(refused));
}

TEST(gs_dense_matrix_has_no_padding) {
  for (const Pattern& p : {gsPattern(16), gsPattern(16, 4), gsPattern(16, 16), gsPattern(8), gsPattern(32, 2, true)}) {
    const Shape s{64, 96};
    std::vector<float> w = nonzeroMatrix(size_t(s.rows) * s.cols, 5);
    PackedMatrix m = pack(w.data(), s.rows, s.cols, p, DType::F32);
    CHECK_MSG(m.nonzeros() == m.values.size() && m.values.size() == w.size(), patternToString(p));
    checkRoundTrip(w, s, p, DType::F32, patternToString(p));
  }
}

TEST(gs_partial_last_group) {
  for (const Pattern& p : {gsPattern(16), gsPattern(16, 1, true), gsPattern(32, 4), gsPattern(16, 2, true)}) {
    const Shape s{37, 128};
    std::vector<float> w = matrixWithPattern(p, s, 11);
    checkRoundTrip(w, s, p, DType::F32, patternToString(p));
    PackedMatrix m = pack(w.data(), s.rows, s.cols, p, DType::F32);
    const uint32_t R = p.groupRows();
    CHECK(m.ptr.size() == (37 + R - 1) / R + 1);
    if (p.permute) {
      CHECK(m.rowIds.size() == (m.ptr.size() - 1) * R);
      for (size_t i = 37; i < m.rowIds.size(); ++i) CHECK(m.rowIds[i] == PackedMatrix::kNoRow);
    }
  }
}

TEST(gs_permute_groups_rows_by_count) {
  const Shape s{64, 64};
  std::vector<float> w(size_t(s.rows) * s.cols, 0.0f);
  // Row r holds (r % 4) * 8 nonzeros at columns r + 3k (mod 64): four count classes of 16 rows.
  for (uint32_t r = 0; r < s.rows; ++r) {
    for (uint32_t k = 0; k < (r % 4) * 8; ++k) w[size_t(r) * s.cols + (r + k * 3) % s.cols] = 1.0f + k;
  }
  PackedMatrix m = pack(w.data(), s.rows, s.cols, gsPattern(16, 1, true), DType::F32);
  // Descending count, ties by row index: rows 3, 7, 11, ... first.
  for (uint32_t i = 0; i < s.rows; ++i) CHECK(m.rowIds[i] == 4 * (i % 16) + 3 - i / 16);
  checkRoundTrip(w, s, gsPattern(16, 1, true), DType::F16, "gs:16:permute by count");
}

TEST(gs_fewer_columns_than_banks) {
  for (const Pattern& p : {gsPattern(16), gsPattern(32, 4), gsPattern(16, 1, true)}) {
    const Shape s{21, 7};
    std::vector<float> w = unstructured(s, 3, 0.2, 1.0);
    checkRoundTrip(w, s, p, DType::F32, patternToString(p) + " narrow");
  }
}

TEST(gs_pack_prefix_is_a_sparser_level) {
  // Packs are ordered by L1 norm: the first pack of each group carries the largest norm.
  const Shape s{64, 512};
  std::vector<float> w = matrixWithPattern(gsPattern(16), s, 21);
  PackedMatrix m = pack(w.data(), s.rows, s.cols, gsPattern(16), DType::F32);
  checkGsInvariants(m, "gs:16 prefix");
}

TEST(gs_pack_4096_square_half_dense) {
  const Shape s{4096, 4096};
  const Pattern p = gsPattern(16);
  std::vector<float> values = nonzeroMatrix(size_t(s.rows) * s.cols, 3), w(values.size(), 0.0f);
  std::mt19937 gen(3);
  for (uint32_t g0 = 0; g0 < s.rows; g0 += 16) {
    std::vector<uint32_t> rows(16);
    std::iota(rows.begin(), rows.end(), g0);
    buildGsGroup(w, s, p, values, rows, s.cols / 2, gen);
  }
  // Thread CPU time (pack is single-threaded), so a busy machine does not fail the test.
  auto cpuSeconds = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  };
  double best = 1e9, bestWall = 1e9;
  PackedMatrix m;
  for (int rep = 0; rep < 3; ++rep) {
    auto w0 = std::chrono::steady_clock::now();
    double c0 = cpuSeconds();
    m = pack(w.data(), s.rows, s.cols, p, DType::F32);
    best = std::min(best, cpuSeconds() - c0);
    bestWall = std::min(bestWall, std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count());
  }
  double c0 = cpuSeconds();
  CHECK(validates(m));
  std::printf("     4096x4096 gs:16 at density %.3f: pack %.0f ms cpu (%.0f ms wall), validate %.0f ms cpu\n",
              double(m.nonzeros()) / w.size(), best * 1e3, bestWall * 1e3, (cpuSeconds() - c0) * 1e3);
  CHECK(m.nonzeros() > w.size() * 0.45);
  // Speed is the microbench's business (no timing assertions in tests); this prints it for the log.
}

// ---- validate catches corruption -----------------------------------------------------------------

namespace {

PackedMatrix packed(const Pattern& p, Shape s, uint32_t seed = 9, DType t = DType::F32) {
  std::vector<float> w = matrixWithPattern(p, s, seed);
  return pack(w.data(), s.rows, s.cols, p, t);
}

// Applies `corrupt` to a fresh copy of `m` and expects validate to report Corrupt.
template <class F>
void expectCorrupt(const PackedMatrix& m, const std::string& what, F&& corrupt) {
  CHECK_MSG(validates(m), what + ": the intact matrix must validate");
  PackedMatrix bad = m;
  corrupt(bad);
  try {
    validate(bad);
    gstest::report(__FILE__, __LINE__, what + ": corruption not detected");
  } catch (const Error& e) {
    CHECK_MSG(e.code() == ErrorCode::Corrupt, what + ": " + e.what());
  }
}

void resizeValues(PackedMatrix& m, size_t n) {
  ValueArray v(m.dtype(), n);
  for (size_t i = 0; i < std::min(n, m.values.size()); ++i) v.set(i, m.values.get(i));
  m.values = std::move(v);
}

void setWidth(PackedMatrix& m, unsigned width) {
  IndexArray idx(width, m.indices.size());
  for (size_t i = 0; i < idx.size(); ++i) idx.set(i, m.indices.get(i) & (width == 1 ? 0xff : 0xffff));
  m.indices = std::move(idx);
}

}  // namespace

TEST(validate_catches_shared_corruptions) {
  for (const Pattern& p : allPatterns()) {
    PackedMatrix m = packed(p, {33, 70});
    const std::string name = patternToString(p);
    expectCorrupt(m, name + " values size", [](PackedMatrix& b) { resizeValues(b, b.values.size() + 1); });
    expectCorrupt(m, name + " rows 0", [](PackedMatrix& b) { b.rows = 0; });
    expectCorrupt(m, name + " bad pattern", [](PackedMatrix& b) {
      b.pattern.kind = Kind::GS;
      b.pattern.banks = 3;
    });
    expectCorrupt(m, name + " index width", [](PackedMatrix& b) { setWidth(b, b.indices.width() == 1 ? 2 : 1); });
    if (m.values.size() > 0) {
      expectCorrupt(m, name + " NaN value", [](PackedMatrix& b) {
        b.values.set(b.values.size() - 1, std::numeric_limits<float>::quiet_NaN());
      });
    }
    if (p.kind != Kind::Channel && !(p.kind == Kind::GS && p.permute)) {
      expectCorrupt(m, name + " stray rowIds", [](PackedMatrix& b) { b.rowIds.push_back(0); });
    }
    if (p.kind == Kind::Dense || p.kind == Kind::NM || p.kind == Kind::Channel) {
      expectCorrupt(m, name + " stray ptr", [](PackedMatrix& b) { b.ptr.push_back(0); });
    }
  }
}

// First segment of ptr holding at least two entries.
uint32_t segmentWithTwo(const PackedMatrix& m) {
  uint32_t i = 0;
  while (i + 1 < m.ptr.size() && m.ptr[i + 1] - m.ptr[i] < 2) ++i;
  return i;
}

TEST(validate_catches_csr_corruptions) {
  PackedMatrix m = packed(csrPattern(), {33, 70});
  expectCorrupt(m, "ptr[0]", [](PackedMatrix& b) { b.ptr[0] = 1; });
  expectCorrupt(m, "ptr decreasing", [](PackedMatrix& b) { std::swap(b.ptr[5], b.ptr[6]); b.ptr[5] += 1; });
  expectCorrupt(m, "ptr last", [](PackedMatrix& b) { b.ptr.back() -= 1; });
  expectCorrupt(m, "ptr size", [](PackedMatrix& b) { b.ptr.pop_back(); });
  expectCorrupt(m, "index out of range", [](PackedMatrix& b) { b.indices.set(b.ptr[3], 70); });
  const uint32_t r = segmentWithTwo(m);
  expectCorrupt(m, "duplicate index", [r](PackedMatrix& b) { b.indices.set(b.ptr[r] + 1, b.indices.get(b.ptr[r])); });
  expectCorrupt(m, "indices size", [](PackedMatrix& b) { b.indices = IndexArray(2, b.indices.size() + 1); });
}

TEST(validate_catches_block_corruptions) {
  PackedMatrix m = packed(blockPattern(4, 4), {33, 70});  // edge blocks in both directions
  expectCorrupt(m, "block column out of range", [](PackedMatrix& b) { b.indices.set(0, 18); });
  const uint32_t br = segmentWithTwo(m);
  expectCorrupt(m, "block columns not increasing",
                [br](PackedMatrix& b) { b.indices.set(b.ptr[br] + 1, b.indices.get(b.ptr[br])); });
  CHECK(m.ptr[8] < m.ptr[9]);
  expectCorrupt(m, "nonzero outside the matrix", [](PackedMatrix& b) {
    // Last block row covers row 32 only: entry (1, 0) of its blocks is outside.
    b.values.set(size_t(b.ptr[8]) * 16 + 4, 1.0f);
  });
  expectCorrupt(m, "ptr beyond count", [](PackedMatrix& b) { b.ptr.back() += 1; });
}

TEST(validate_catches_nm_corruptions) {
  PackedMatrix m = packed(nmPattern(2, 4), {7, 10});  // last group of width 2
  expectCorrupt(m, "offset out of range", [](PackedMatrix& b) { b.indices.set(1, 4); });
  expectCorrupt(m, "offsets not increasing", [](PackedMatrix& b) { b.indices.set(1, b.indices.get(0)); });
  expectCorrupt(m, "partial group offset", [](PackedMatrix& b) { b.indices.set(5, 2); });
  PackedMatrix narrow = packed(nmPattern(3, 4), {2, 5});  // last group of width 1 < n
  expectCorrupt(narrow, "padding slot value", [](PackedMatrix& b) { b.values.set(4, 1.0f); });
  expectCorrupt(narrow, "padding slot offset", [](PackedMatrix& b) { b.indices.set(5, 0 + 1); });
}

TEST(validate_catches_gs_corruptions) {
  // A dense matrix: every group has 128 packs; group 2 (rows 32..36) has virtual rows.
  std::vector<float> w = nonzeroMatrix(37 * 128, 4);
  PackedMatrix m = pack(w.data(), 37, 128, gsPattern(16), DType::F32);
  PackedMatrix pm = pack(w.data(), 37, 128, gsPattern(16, 1, true), DType::F32);
  expectCorrupt(m, "bank clash", [](PackedMatrix& b) { b.indices.set(1, (b.indices.get(0) + 16) % 128); });
  expectCorrupt(m, "column out of range", [](PackedMatrix& b) { b.indices.set(3, 128 + b.indices.get(3) % 16); });
  expectCorrupt(m, "ptr not monotone", [](PackedMatrix& b) { b.ptr[1] = b.ptr[2] + 1; });
  expectCorrupt(m, "ptr size", [](PackedMatrix& b) { b.ptr.push_back(b.ptr.back()); });
  expectCorrupt(m, "rowIds without permute", [](PackedMatrix& b) { b.rowIds.assign(48, 0); });
  expectCorrupt(m, "virtual row nonzero", [](PackedMatrix& b) {
    // Group 2 holds rows 32..36: lanes 5..15 are virtual.
    b.values.set(size_t(b.ptr[2]) * 16 + 9, 1.0f);
  });
  expectCorrupt(m, "duplicate column in a row", [](PackedMatrix& b) {
    // Pack 0 and pack 1 of group 0: give lane 0 of pack 1 lane 0's column of pack 0 (same row 0),
    // swapping banks inside pack 1 so the banks stay distinct.
    uint32_t c = b.indices.get(0);
    for (uint32_t l = 0; l < 16; ++l) {
      if (b.indices.get(16 + l) % 16 == c % 16) b.indices.set(16 + l, b.indices.get(16));
    }
    b.indices.set(16, c);
    b.values.set(0, 1.0f);
    b.values.set(16, 2.0f);
  });
  expectCorrupt(pm, "rowIds repeat", [](PackedMatrix& b) { b.rowIds[1] = b.rowIds[0]; });
  expectCorrupt(pm, "rowIds out of range", [](PackedMatrix& b) { b.rowIds[1] = 37; });
  expectCorrupt(pm, "rowIds virtual slot", [](PackedMatrix& b) { std::swap(b.rowIds[0], b.rowIds[40]); });
  expectCorrupt(pm, "rowIds size", [](PackedMatrix& b) { b.rowIds.pop_back(); });
}

TEST(validate_catches_channel_and_dense_corruptions) {
  PackedMatrix c = packed(channelPattern(), {33, 70});
  CHECK(c.rowIds.size() >= 2);
  expectCorrupt(c, "rowIds not ascending", [](PackedMatrix& b) { std::swap(b.rowIds[0], b.rowIds[1]); });
  expectCorrupt(c, "rowIds out of range", [](PackedMatrix& b) { b.rowIds.back() = 33; });
  expectCorrupt(c, "indices present", [](PackedMatrix& b) { b.indices = IndexArray(4, 1); });
  PackedMatrix d = packed(densePattern(), {7, 5});
  expectCorrupt(d, "dense cols", [](PackedMatrix& b) { b.cols = 6; });
  expectCorrupt(d, "dense indices", [](PackedMatrix& b) { b.indices = IndexArray(2, 0); });
}

TEST_MAIN()
