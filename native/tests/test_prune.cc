// pruneAndPack: every pattern's invariants checked from outside the format (toDense output plus
// the pattern), GS quality against unstructured pruning, importance scores, errors, and printed
// 4096x4096 timings.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <string>
#include <vector>

#include "gsparse/errors.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/pattern.h"
#include "gsparse/prune.h"
#include "gsparse/serialize.h"
#include "test_fixtures.h"
#include "test_framework.h"

using namespace gsparse;

namespace {

// Test-local parser of the string forms in docs/formats.md, Patterns (the library's parser lives in
// TypeScript), onto the shared pattern factories.
Pattern parse(const std::string& s) {
  unsigned a = 0, b = 1;
  if (s == "dense") return gstest::densePattern();
  if (s == "csr") return gstest::csrPattern();
  if (s == "channel") return gstest::channelPattern();
  if (s.rfind("block:", 0) == 0) {
    std::sscanf(s.c_str() + 6, "%ux%u", &a, &b);
    return gstest::blockPattern(a, b);
  }
  if (s.rfind("gs:", 0) == 0) {
    std::sscanf(s.c_str() + 3, "%ux%u", &a, &b);
    return gstest::gsPattern(a, b, s.find(":permute") != std::string::npos);
  }
  std::sscanf(s.c_str(), "%u:%u", &a, &b);
  return gstest::nmPattern(a, b);
}

const char* const kPatterns[] = {"dense",   "csr",     "block:4x1", "block:4x4",    "block:1x8",
                                 "2:4",     "1:4",     "gs:16",     "gs:8",         "gs:32",
                                 "gs:16x4", "gs:16x16", "gs:16:permute", "gs:16x4:permute", "channel"};

using gstest::Shape;
using gstest::stored;

uint64_t keepTarget(uint64_t total, double s) { return static_cast<uint64_t>(std::llround((1.0 - s) * total)); }

// Indices of w by descending |w|, ties by index: the reference ranking (a full sort is fine here).
std::vector<uint32_t> byMagnitude(const std::vector<float>& w) {
  std::vector<uint32_t> idx(w.size());
  std::iota(idx.begin(), idx.end(), 0u);
  std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return std::fabs(w[a]) > std::fabs(w[b]); });
  return idx;
}

void checkUnstructured(const std::vector<float>& w, const std::vector<float>& d, double s, DType dtype,
                       const std::string& ctx) {
  const uint64_t k = keepTarget(w.size(), s);
  std::vector<uint8_t> kept(w.size(), 0);
  auto order = byMagnitude(w);
  for (uint64_t i = 0; i < k; ++i) kept[order[i]] = 1;
  uint64_t bad = 0;
  for (std::size_t i = 0; i < w.size(); ++i) bad += d[i] != (kept[i] ? stored(w[i], dtype) : 0.0f);
  CHECK_MSG(bad == 0, ctx + ": " + std::to_string(bad) + " entries differ from the top-k");
}

void checkNM(const std::vector<float>& w, const std::vector<float>& d, uint32_t rows, uint32_t cols,
             const Pattern& p, DType dtype, const std::string& ctx) {
  uint64_t bad = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    for (uint32_t g = 0; g < cols; g += p.m) {
      const uint32_t v = std::min(p.m, cols - g);
      uint32_t nz = 0;
      float minKept = INFINITY, maxDropped = 0.0f;
      for (uint32_t j = g; j < g + v; ++j) {
        const float a = std::fabs(w[r * cols + j]);
        if (d[r * cols + j] != 0.0f) ++nz, minKept = std::min(minKept, a), bad += d[r * cols + j] != stored(w[r * cols + j], dtype);
        else maxDropped = std::max(maxDropped, a);
      }
      bad += nz != std::min(p.n, v) || minKept < maxDropped;
    }
  }
  CHECK_MSG(bad == 0, ctx + ": " + std::to_string(bad) + " groups break N:M or are not the top n");
}

void checkBlock(const std::vector<float>& w, const std::vector<float>& d, uint32_t rows, uint32_t cols,
                const Pattern& p, double s, DType dtype, const std::string& ctx) {
  const uint32_t R = p.blockRows, C = p.blockCols, br = (rows + R - 1) / R, bc = (cols + C - 1) / C;
  std::vector<double> l1(static_cast<std::size_t>(br) * bc, 0.0);
  std::vector<uint8_t> kept(l1.size(), 0);
  for (uint32_t r = 0; r < rows; ++r) {
    for (uint32_t c = 0; c < cols; ++c) {
      l1[(r / R) * bc + c / C] += std::fabs(w[r * cols + c]);
      if (d[r * cols + c] != 0.0f) kept[(r / R) * bc + c / C] = 1;
    }
  }
  uint64_t partial = 0, keptElements = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    for (uint32_t c = 0; c < cols; ++c) {
      const bool k = kept[(r / R) * bc + c / C];
      keptElements += k;
      partial += k && d[r * cols + c] != stored(w[r * cols + c], dtype);  // a kept block is kept whole
    }
  }
  CHECK_MSG(partial == 0, ctx + ": " + std::to_string(partial) + " entries of kept blocks were changed");
  double minKept = INFINITY, maxDropped = 0.0;
  for (std::size_t j = 0; j < l1.size(); ++j) {
    if (kept[j]) minKept = std::min(minKept, l1[j]);
    else maxDropped = std::max(maxDropped, l1[j]);
  }
  // The library sums in fp32: allow for rounding between nearly equal blocks.
  CHECK_MSG(minKept >= maxDropped * (1 - 1e-5), ctx + ": a dropped block has a larger L1 than a kept one");
  const uint64_t target = keepTarget(static_cast<uint64_t>(rows) * cols, s);
  const uint64_t off = keptElements > target ? keptElements - target : target - keptElements;
  CHECK_MSG(off <= static_cast<uint64_t>(R) * C, ctx + ": kept " + std::to_string(keptElements) + " elements, target " +
                                                     std::to_string(target));
}

void checkChannel(const std::vector<float>& w, const std::vector<float>& d, uint32_t rows, uint32_t cols, double s,
                  DType dtype, const std::string& ctx) {
  double minKept = INFINITY, maxDropped = 0.0;
  uint32_t keptRows = 0, changed = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    double n2 = 0.0;
    bool any = false;
    for (uint32_t c = 0; c < cols; ++c) n2 += static_cast<double>(w[r * cols + c]) * w[r * cols + c], any |= d[r * cols + c] != 0.0f;
    if (any) {
      ++keptRows;
      minKept = std::min(minKept, n2);
      for (uint32_t c = 0; c < cols; ++c) changed += d[r * cols + c] != stored(w[r * cols + c], dtype);
    } else {
      maxDropped = std::max(maxDropped, n2);
    }
  }
  CHECK_MSG(changed == 0, ctx + ": kept rows were changed");
  CHECK_MSG(keptRows == keepTarget(rows, s), ctx + ": kept " + std::to_string(keptRows) + " rows");
  CHECK_MSG(minKept >= maxDropped * (1 - 1e-5), ctx + ": a dropped row has a larger norm than a kept one");
}

// GS from outside: P = the group's pack count (from ptr); the group's nonzeros can form P packs of
// E lanes per row in distinct banks only if every row has <= P*E of them and every bank <= P.
void checkGs(const PackedMatrix& m, const std::vector<float>& w, const std::vector<float>& d, DType dtype,
             const std::string& ctx) {
  const Pattern& p = m.pattern;
  const uint32_t rows = m.rows, cols = m.cols, B = p.banks, E = p.perRow, R = p.groupRows();
  const uint32_t groups = (rows + R - 1) / R;
  CHECK_MSG(m.ptr.size() == groups + 1u, ctx + ": ptr size");
  if (m.ptr.size() != groups + 1u) return;
  std::vector<uint32_t> seen(rows, 0);
  uint64_t overfullRows = 0, overfullBanks = 0, changed = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint64_t P = m.ptr[g + 1] - m.ptr[g];
    std::vector<uint64_t> bank(B, 0);
    for (uint32_t r = 0; r < R; ++r) {
      uint32_t row = g * R + r;
      if (p.permute) row = m.rowIds[g * R + r];
      if (row == PackedMatrix::kNoRow || row >= rows) continue;
      ++seen[row];
      uint64_t nz = 0;
      for (uint32_t c = 0; c < cols; ++c) {
        const float v = d[static_cast<std::size_t>(row) * cols + c];
        if (v == 0.0f) continue;
        ++nz, ++bank[c % B];
        changed += v != stored(w[static_cast<std::size_t>(row) * cols + c], dtype);
      }
      overfullRows += nz > P * E;
    }
    for (uint32_t b = 0; b < B; ++b) overfullBanks += bank[b] > P;
  }
  CHECK_MSG(std::all_of(seen.begin(), seen.end(), [](uint32_t n) { return n == 1; }), ctx + ": rows not grouped once each");
  CHECK_MSG(overfullRows == 0, ctx + ": " + std::to_string(overfullRows) + " rows have more than P*E nonzeros");
  CHECK_MSG(overfullBanks == 0, ctx + ": " + std::to_string(overfullBanks) + " banks have more than P nonzeros");
  CHECK_MSG(changed == 0, ctx + ": " + std::to_string(changed) + " kept values differ from w");
}

void checkPruned(const std::string& name, Shape sh, double s, DType dtype, uint32_t seed) {
  const Pattern p = parse(name);
  const std::string ctx = name + " " + std::to_string(sh.rows) + "x" + std::to_string(sh.cols) + " s=" +
                          std::to_string(s) + (dtype == DType::F16 ? " f16" : " f32");
  const auto w = gstest::randomMatrix(static_cast<std::size_t>(sh.rows) * sh.cols, seed);
  PackedMatrix m = pruneAndPack(w.data(), sh.rows, sh.cols, p, s, dtype);
  try {
    validate(m);
  } catch (const std::exception& e) {
    CHECK_MSG(false, ctx + ": validate: " + e.what());
    return;
  }
  std::vector<float> d(w.size());
  toDense(m, d.data());
  const uint64_t nz = static_cast<uint64_t>(std::count_if(d.begin(), d.end(), [](float v) { return v != 0.0f; }));
  CHECK_MSG(nz == m.nonzeros(), ctx + ": nonzeros() " + std::to_string(m.nonzeros()) + " vs dense " + std::to_string(nz));
  switch (p.kind) {
    case Kind::Dense:
    case Kind::Csr: checkUnstructured(w, d, s, dtype, ctx); break;
    case Kind::NM: checkNM(w, d, sh.rows, sh.cols, p, dtype, ctx); break;
    case Kind::Block: checkBlock(w, d, sh.rows, sh.cols, p, s, dtype, ctx); break;
    case Kind::Channel: checkChannel(w, d, sh.rows, sh.cols, s, dtype, ctx); break;
    case Kind::GS: checkGs(m, w, d, dtype, ctx); break;
  }
  if (static_cast<uint64_t>(sh.rows) * sh.cols >= 200u * 777u) {
    const double target = p.kind == Kind::NM ? fixedSparsity(p) : s;
    const double achieved = 1.0 - static_cast<double>(nz) / w.size();
    CHECK_MSG(std::fabs(achieved - target) <= 0.02, ctx + ": achieved sparsity " + std::to_string(achieved));
  }
}

}  // namespace

TEST(prune_invariants_every_pattern_f32) {
  const Shape shapes[] = {{64, 64}, {200, 777}, {37, 70}, {3, 5}};
  uint32_t seed = 1;
  for (const char* name : kPatterns) {
    for (Shape sh : shapes) {
      for (double s : {0.5, 0.75, 0.9, 0.95}) {
        checkPruned(name, sh, s, DType::F32, seed++);
        if (parse(name).kind == Kind::NM) break;  // sparsity is fixed
      }
    }
  }
}

TEST(prune_invariants_every_pattern_f16) {
  uint32_t seed = 500;
  for (const char* name : kPatterns) checkPruned(name, {64, 64}, 0.75, DType::F16, seed++);
  for (const char* name : kPatterns) checkPruned(name, {37, 70}, 0.9, DType::F16, seed++);
}

// Large inputs rank through a sampled bracket; data periodic in the sampling stride defeats the
// sample and must take the full-copy path with the same exact answer.
TEST(prune_csr_exact_on_adversarial_large_inputs) {
  const uint32_t rows = 1024, cols = 1024;
  auto w = gstest::randomMatrix(static_cast<std::size_t>(rows) * cols, 29);
  auto periodic = w, ties = w;
  for (std::size_t i = 0; i < w.size(); i += 16) periodic[i] = 1000.0f + static_cast<float>(i % 97);
  for (std::size_t i = 0; i < w.size(); ++i) ties[i] = (i % 3 == 0) ? 1.0f : (i % 3 == 1 ? -1.0f : 0.5f);
  for (const auto* data : {&w, &periodic, &ties}) {
    for (double s : {0.3, 0.9, 0.999}) {
      PackedMatrix m = pruneAndPack(data->data(), rows, cols, parse("csr"), s, DType::F32);
      std::vector<float> d(data->size());
      toDense(m, d.data());
      checkUnstructured(*data, d, s, DType::F32, "csr 1024x1024 adversarial s=" + std::to_string(s));
    }
  }
}

TEST(prune_nm_exact_sparsity_when_m_divides_cols) {
  for (const char* name : {"2:4", "1:4"}) {
    const auto w = gstest::randomMatrix(64 * 64, 7);
    PackedMatrix m = pruneAndPack(w.data(), 64, 64, parse(name), 0.3, DType::F32);
    CHECK(1.0 - static_cast<double>(m.nonzeros()) / (64 * 64) == fixedSparsity(parse(name)));
  }
}

TEST(prune_zero_sparsity_keeps_everything) {
  const auto w = gstest::randomMatrix(37 * 70, 9);
  for (const char* name : {"dense", "csr", "block:4x4", "channel"}) {
    PackedMatrix m = pruneAndPack(w.data(), 37, 70, parse(name), 0.0, DType::F32);
    std::vector<float> d(w.size());
    toDense(m, d.data());
    CHECK_MSG(d == w, name);
  }
}

TEST(prune_is_deterministic) {
  const auto w = gstest::randomMatrix(200 * 777, 11);
  for (const char* name : {"csr", "block:4x4", "gs:16x4:permute", "channel"}) {
    PackedMatrix a = pruneAndPack(w.data(), 200, 777, parse(name), 0.8, DType::F32);
    PackedMatrix b = pruneAndPack(w.data(), 200, 777, parse(name), 0.8, DType::F32);
    std::vector<float> da(w.size()), db(w.size());
    toDense(a, da.data());
    toDense(b, db.data());
    CHECK_MSG(da == db && a.ptr == b.ptr && a.rowIds == b.rowIds, name);
  }
}

TEST(prune_gs_packs_ordered_by_importance) {
  const auto w = gstest::randomMatrix(64 * 256, 13);
  PackedMatrix m = pruneAndPack(w.data(), 64, 256, parse("gs:16"), 0.75, DType::F32);
  const uint32_t B = 16;
  for (uint32_t g = 0; g + 1 < m.ptr.size(); ++g) {
    double prev = INFINITY;
    for (uint32_t k = m.ptr[g]; k < m.ptr[g + 1]; ++k) {
      double l1 = 0;
      for (uint32_t l = 0; l < B; ++l) l1 += std::fabs(m.values.get(static_cast<std::size_t>(k) * B + l));
      CHECK(l1 <= prev);
      prev = l1;
    }
  }
}

// The paper's claim as a test: GS keeps nearly the magnitude unstructured pruning keeps at the same
// nonzero count.
TEST(prune_gs_quality_vs_unstructured) {
  const uint32_t n = 1024;
  const auto w = gstest::randomMatrix(static_cast<std::size_t>(n) * n, 17);
  std::vector<float> mags(w.size());
  std::transform(w.begin(), w.end(), mags.begin(), [](float v) { return std::fabs(v); });
  std::sort(mags.begin(), mags.end(), std::greater<float>());
  std::vector<double> prefix(mags.size() + 1, 0.0);  // prefix[k] = |w| kept by csr keeping k
  for (std::size_t i = 0; i < mags.size(); ++i) prefix[i + 1] = prefix[i] + mags[i];
  for (const char* name : {"gs:16", "gs:16x4"}) {
    for (double s : {0.5, 0.75, 0.9, 0.95}) {
      PackedMatrix m = pruneAndPack(w.data(), n, n, parse(name), s, DType::F32);
      std::vector<float> d(w.size());
      toDense(m, d.data());
      double kept = 0.0;
      uint64_t nz = 0;
      for (float v : d) kept += std::fabs(v), nz += v != 0.0f;
      const double ratio = kept / prefix[nz];
      std::printf("  quality %-8s s=%.2f: achieved sparsity %.4f, |w| kept vs csr at same nnz %.4f\n", name, s,
                  1.0 - static_cast<double>(nz) / w.size(), ratio);
      CHECK_MSG(ratio >= 0.97, std::string(name) + " s=" + std::to_string(s) + " ratio " + std::to_string(ratio));
    }
  }
}

TEST(prune_errors_are_range) {
  const auto w = gstest::randomMatrix(8 * 16, 19);
  const Pattern csr = parse("csr");
  for (double s : {1.5, 1.0, -0.1, std::nan(""), static_cast<double>(INFINITY)}) {
    CHECK_THROWS_CODE(pruneAndPack(w.data(), 8, 16, csr, s, DType::F32), ErrorCode::Range);
  }
  try {
    pruneAndPack(w.data(), 8, 16, csr, 1.5, DType::F32);
  } catch (const Error& e) {
    CHECK_MSG(std::string(e.what()) == "sparsity: expected a number in [0, 1), got 1.5", e.what());
  }
  auto bad = w;
  bad[37] = std::nanf("");
  CHECK_THROWS_CODE(pruneAndPack(bad.data(), 8, 16, csr, 0.5, DType::F32), ErrorCode::Range);
  try {
    pruneAndPack(bad.data(), 8, 16, parse("gs:16"), 0.5, DType::F32);
  } catch (const Error& e) {
    CHECK_MSG(std::string(e.what()).find("w[37]") != std::string::npos, e.what());
  }
  bad[37] = -INFINITY;
  CHECK_THROWS_CODE(pruneAndPack(bad.data(), 8, 16, parse("2:4"), 0.5, DType::F32), ErrorCode::Range);
  Pattern p = parse("gs:12");
  CHECK_THROWS_CODE(pruneAndPack(w.data(), 8, 16, p, 0.5, DType::F32), ErrorCode::Range);
  p = parse("gs:16x3");
  CHECK_THROWS_CODE(pruneAndPack(w.data(), 8, 16, p, 0.5, DType::F32), ErrorCode::Range);
  p = parse("5:4");
  CHECK_THROWS_CODE(pruneAndPack(w.data(), 8, 16, p, 0.5, DType::F32), ErrorCode::Range);
  p = parse("2:32");
  CHECK_THROWS_CODE(pruneAndPack(w.data(), 8, 16, p, 0.5, DType::F32), ErrorCode::Range);
  p = parse("block:0x4");
  CHECK_THROWS_CODE(pruneAndPack(w.data(), 8, 16, p, 0.5, DType::F32), ErrorCode::Range);
}

// Importance scores. Ranking w by scores = |w2| must select exactly what magnitude pruning of w2
// selects (every method: thresholds, budgets, fills, row orders), with w's values in the kept places.
// The reference is pruneAndPack(w2) without scores, so the test needs no model of any method.
TEST(prune_scores_select_what_pruning_the_scores_selects) {
  const char* const names[] = {"dense", "csr", "block:4x1", "block:2x2", "2:4", "1:4",
                               "gs:16", "gs:16x4", "gs:8:permute", "channel"};
  const Shape shapes[] = {{37, 45}, {33, 70}, {64, 64}};
  uint32_t seed = 900;
  for (const char* name : names) {
    for (Shape sh : shapes) {
      for (double s : {0.5, 0.8}) {
        const std::size_t n = static_cast<std::size_t>(sh.rows) * sh.cols;
        const auto w = gstest::randomMatrix(n, seed++), w2 = gstest::randomMatrix(n, seed++);
        std::vector<float> scores(n);
        std::transform(w2.begin(), w2.end(), scores.begin(), [](float v) { return std::fabs(v); });
        const std::string ctx = std::string(name) + " " + std::to_string(sh.rows) + "x" + std::to_string(sh.cols) +
                                " s=" + std::to_string(s);
        const Pattern p = parse(name);
        PackedMatrix byScores = pruneAndPack(w.data(), sh.rows, sh.cols, p, s, DType::F32, scores.data());
        PackedMatrix reference = pruneAndPack(w2.data(), sh.rows, sh.cols, p, s, DType::F32);
        PackedMatrix byMagnitude = pruneAndPack(w.data(), sh.rows, sh.cols, p, s, DType::F32);
        std::vector<float> d(n), dRef(n), dMag(n);
        toDense(byScores, d.data());
        toDense(reference, dRef.data());
        toDense(byMagnitude, dMag.data());
        uint64_t kept = 0, wrongPlace = 0, wrongValue = 0, differsFromMagnitude = 0;
        for (std::size_t i = 0; i < n; ++i) {
          kept += d[i] != 0.0f;
          wrongPlace += (d[i] != 0.0f) != (dRef[i] != 0.0f);
          wrongValue += d[i] != 0.0f && d[i] != w[i];
          differsFromMagnitude += (d[i] != 0.0f) != (dMag[i] != 0.0f);
        }
        CHECK_MSG(kept > 0 && kept < n, ctx + ": kept " + std::to_string(kept));
        CHECK_MSG(wrongPlace == 0, ctx + ": " + std::to_string(wrongPlace) + " positions differ from pruning |w2|");
        CHECK_MSG(wrongValue == 0, ctx + ": " + std::to_string(wrongValue) + " kept values differ from w");
        // Otherwise the check above could pass with scores ignored.
        CHECK_MSG(differsFromMagnitude > 0, ctx + ": same selection as magnitude pruning of w");
        // Same structure, packs in the same (importance) order, same permutation.
        bool sameIndices = byScores.indices.size() == reference.indices.size();
        for (std::size_t i = 0; sameIndices && i < reference.indices.size(); ++i)
          sameIndices = byScores.indices.get(i) == reference.indices.get(i);
        CHECK_MSG(sameIndices && byScores.ptr == reference.ptr && byScores.rowIds == reference.rowIds,
                  ctx + ": packed structure differs from pruning |w2|");
      }
    }
  }
}

// Scores = |w| is magnitude pruning, byte for byte.
TEST(prune_scores_abs_w_equals_no_scores) {
  const auto w = gstest::randomMatrix(37 * 70, 950);
  std::vector<float> abs(w.size());
  std::transform(w.begin(), w.end(), abs.begin(), [](float v) { return std::fabs(v); });
  for (const char* name : kPatterns) {
    for (DType dt : {DType::F32, DType::F16}) {
      const auto a = serialize(pruneAndPack(w.data(), 37, 70, parse(name), 0.7, dt, abs.data()));
      const auto b = serialize(pruneAndPack(w.data(), 37, 70, parse(name), 0.7, dt));
      CHECK_MSG(a == b, name);
    }
  }
}

// Worked by hand: w = [4, 3, 2, 1] ranked by scores [1, 2, 3, 4] keeps the last two weights.
TEST(prune_scores_hand_worked) {
  const float w[] = {4, 3, 2, 1}, scores[] = {1, 2, 3, 4};
  for (const char* name : {"csr", "2:4"}) {
    std::vector<float> d(4);
    toDense(pruneAndPack(w, 1, 4, parse(name), 0.5, DType::F32, scores), d.data());
    CHECK_MSG((d == std::vector<float>{0, 0, 2, 1}), name);
  }
  // Equal scores: ties go to the lower index, so the first two.
  const float zeros[] = {0, 0, 0, 0};
  std::vector<float> d(4);
  toDense(pruneAndPack(w, 1, 4, parse("csr"), 0.5, DType::F32, zeros), d.data());
  CHECK((d == std::vector<float>{4, 3, 0, 0}));
  // Channel: row 1's scores outweigh row 0's although its weights are smaller.
  const float w2[] = {9, 9, 1, 1}, rowScores[] = {1, 1, 2, 2};
  toDense(pruneAndPack(w2, 2, 2, parse("channel"), 0.5, DType::F32, rowScores), d.data());
  CHECK((d == std::vector<float>{0, 0, 1, 1}));
}

TEST(prune_scores_errors_name_the_first_bad_index) {
  const auto w = gstest::randomMatrix(8 * 16, 19);
  for (float bad : {std::nanf(""), -1.0f, -1e-30f, static_cast<float>(INFINITY), -static_cast<float>(INFINITY)}) {
    for (const char* name : {"csr", "gs:16", "channel"}) {
      std::vector<float> scores(w.size(), 1.0f);
      scores[41] = bad;
      scores[99] = bad;
      std::string message;
      try {
        pruneAndPack(w.data(), 8, 16, parse(name), 0.5, DType::F32, scores.data());
      } catch (const Error& e) {
        message = e.what();
        CHECK_MSG(e.code() == ErrorCode::Range, message);
      }
      CHECK_MSG(message.rfind("scores[41]: ", 0) == 0, std::string(name) + ": '" + message + "'");
    }
  }
  std::vector<float> scores(w.size(), 0.0f);
  scores[3] = -0.0f;  // not below 0
  CHECK(pruneAndPack(w.data(), 8, 16, parse("csr"), 0.5, DType::F32, scores.data()).nonzeros() == 64);
}

double processCpuMs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// Not asserted (the 1 s target is a benchmark figure): prune + pack of 4096x4096 at 90%, printed as
// wall time and process CPU time (all threads; the steadier figure on a shared machine).
TEST(prune_timing_4096_printed) {
  const uint32_t n = 4096;
  const auto w = gstest::randomMatrix(static_cast<std::size_t>(n) * n, 23);
  std::printf("  %-16s %9s %12s %12s %12s\n", "pattern", "sparsity", "f32 wall ms", "f32 cpu ms", "f16 wall ms");
  for (const char* name : kPatterns) {
    double wall[2] = {0, 0}, cpu = 0, achieved = 0;
    for (DType dt : {DType::F32, DType::F16}) {
      const double c0 = processCpuMs();
      const auto t0 = std::chrono::steady_clock::now();
      PackedMatrix m = pruneAndPack(w.data(), n, n, parse(name), 0.9, dt);
      const auto t1 = std::chrono::steady_clock::now();
      wall[static_cast<int>(dt)] = std::chrono::duration<double, std::milli>(t1 - t0).count();
      if (dt == DType::F32) {
        cpu = processCpuMs() - c0;
        achieved = 1.0 - static_cast<double>(m.nonzeros()) / (static_cast<double>(n) * n);
      }
    }
    std::printf("  %-16s %9.4f %12.1f %12.1f %12.1f\n", name, achieved, wall[0], cpu, wall[1]);
  }
}

TEST_MAIN()
