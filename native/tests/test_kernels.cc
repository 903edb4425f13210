// Every row of the CPU kernel table (core/cpu/kernel_table.h) against a float64 reference, called
// directly on edge shapes (partial groups / blocks, odd sizes, batch 1 / 2 / 3 / 33 / 64 within
// the row's range, every epilogue), and on every level of nested matrices (docs/nested.md); one
// "PASS <kernel name>" line per row. Then the selection:
// every row is what matmulCpu dispatches for some case, and the formats through matmulCpu at
// larger batches, thread counts, Inf / NaN in x.
//
// The reference multiplies toDense() of the packed matrix (so fp16 rounding is in the reference)
// by X in double precision. Error criterion, per output y[b][r]:
//   |y - ref| <= 1e-5 * max(1, scale),  scale = sum_c |W[r][c] * X[b][c]| + |bias[r]|
// i.e. relative to the magnitude of the terms summed (the bound fp32 accumulation can promise even
// when the sum cancels). Y is poisoned with NaN first, so any output the kernel misses fails.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gsparse/hardware.h"
#include "gsparse/kernels.h"
#include "gsparse/nested.h"
#include "gsparse/prune.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/thread_pool.h"
#include "test_fixtures.h"
#include "test_framework.h"
#include "../core/cpu/row_blocked/row_blocked_isa.h"
#include "../core/cpu/kernel_table.h"

using namespace gsparse;

namespace {

using gstest::Shape;
// 1x1 / 7x5: partial everything; 200x777: two row-blocked chunks, several column blocks with a
// remainder; 5x66000: 4-byte indices.
const Shape kShapes[] = {{1, 1}, {7, 5}, {16, 16}, {37, 70}, {200, 777}, {64, 1025}, {5, 66000}};
const std::size_t kBatches[] = {1, 2, 3, 33, 64};  // 33: a partial batch tile; 64: a group of 4 tiles

using gstest::activate;
using gstest::kEpilogues;
using gstest::matmulArgs;

std::vector<Isa> supportedIsas() {
  std::vector<Isa> isas{Isa::Scalar};
  if (static_cast<int>(detectedIsa()) >= static_cast<int>(Isa::Avx2)) isas.push_back(Isa::Avx2);
  if (detectedIsa() == Isa::Avx512) isas.push_back(Isa::Avx512);
  return isas;
}

// ---- test-local matrices with each pattern ------------------------------------------------------

std::vector<float> denseNoZeros(const Shape& s, uint32_t seed) {
  return gstest::nonzeroMatrix(std::size_t{s.rows} * s.cols, seed);
}

// Keeps each element (or each R x C block, or each row) with probability keep.
std::vector<float> maskBlocks(const Shape& s, uint32_t br, uint32_t bc, double keep, uint32_t seed) {
  std::vector<float> w = denseNoZeros(s, seed);
  std::mt19937 gen(seed ^ 0x9e3779b9u);
  gstest::dropBlocks(w, s, br, bc, 1.0 - keep, gen);
  return w;
}

// Exactly n kept in every group of m columns (all of a narrower last group when it has <= n).
std::vector<float> maskNM(const Shape& s, uint32_t n, uint32_t m, uint32_t seed) {
  std::vector<float> w = denseNoZeros(s, seed);
  std::mt19937 gen(seed + 7);
  gstest::keepRandomNM(w, s, n, m, gen);
  return w;
}

// A genuinely sparse GS matrix (empty when cols < banks): in group g, pack p gives lane l (row l/E)
// the bank sigma[(l + E*p) mod B] in column block rho_row[p / R]. Within a pack the banks are
// distinct; for a fixed row the (block, bank) pairs are distinct, so no element is set twice and
// every group row has the same count and every bank the same count. Pack counts differ per group.
// With `reversed`, whole groups get strictly increasing counts and a partial last group the fewest,
// so a permuting pack() that stable-sorts rows by nonzero count (descending) regroups the same rows
// in reverse group order: a real, decomposable permutation.
std::vector<float> gsStructured(const Shape& s, uint32_t B, uint32_t E, bool reversed, uint32_t seed) {
  const uint32_t R = B / E, fullBlocks = s.cols / B;
  if (fullBlocks == 0) return {};
  std::mt19937 gen(seed);
  std::vector<float> w(std::size_t{s.rows} * s.cols, 0.0f);
  std::vector<uint32_t> sigma(B), rho(fullBlocks);
  for (uint32_t g0 = 0; g0 < s.rows; g0 += R) {
    std::iota(sigma.begin(), sigma.end(), 0u);
    std::shuffle(sigma.begin(), sigma.end(), gen);
    const uint32_t maxPacks = R * fullBlocks;
    const uint32_t groups = (s.rows + R - 1) / R, g = g0 / R;
    const bool partial = g0 + R > s.rows;
    const uint32_t packs = reversed ? (partial ? 1 : 2 + g * std::max(1u, maxPacks / 3 / groups))
                                      : 1 + gen() % std::max(1u, maxPacks / 3);  // sparse, varying per group
    for (uint32_t r = 0; r < R && g0 + r < s.rows; ++r) {
      std::iota(rho.begin(), rho.end(), 0u);
      std::shuffle(rho.begin(), rho.end(), gen);
      for (uint32_t p = 0; p < packs; ++p)
        for (uint32_t e = 0; e < E; ++e) {
          const uint32_t lane = r * E + e, bank = sigma[(lane + E * p) % B];
          w[std::size_t{g0 + r} * s.cols + rho[p / R] * B + bank] = gstest::nonzeroWeight(gen);
        }
    }
  }
  return w;
}

struct FormatCase {
  const char* name;
  Pattern pattern;
  // Matrices with the pattern for a shape (one or two variants; empty ones are skipped).
  std::vector<std::vector<float>> (*matrices)(const Pattern& p, const Shape& s, uint32_t seed);
};

std::vector<std::vector<float>> denseMatrices(const Pattern&, const Shape& s, uint32_t seed) {
  return {denseNoZeros(s, seed)};
}
std::vector<std::vector<float>> csrMatrices(const Pattern&, const Shape& s, uint32_t seed) {
  return {maskBlocks(s, 1, 1, 0.3, seed)};
}
std::vector<std::vector<float>> blockMatrices(const Pattern& p, const Shape& s, uint32_t seed) {
  return {maskBlocks(s, p.blockRows, p.blockCols, 0.4, seed)};
}
std::vector<std::vector<float>> nmMatrices(const Pattern& p, const Shape& s, uint32_t seed) {
  return {maskNM(s, p.n, p.m, seed)};
}
// Dense with no zeros, except that when cols is not a multiple of B (and cols >= B) the columns past
// the last whole bank block are zeroed: otherwise the low banks hold more nonzeros than a row has
// packs, and no bank-distinct decomposition exists (pack() rightly refuses it).
std::vector<float> gsDense(const Shape& s, uint32_t B, uint32_t seed) {
  std::vector<float> w = denseNoZeros(s, seed);
  const uint32_t whole = s.cols / B * B;
  if (whole > 0)
    for (uint32_t r = 0; r < s.rows; ++r)
      std::fill(w.begin() + std::size_t{r} * s.cols + whole, w.begin() + std::size_t{r + 1} * s.cols, 0.0f);
  return w;
}
std::vector<std::vector<float>> gsMatrices(const Pattern& p, const Shape& s, uint32_t seed) {
  return {gsDense(s, p.banks, seed), gsStructured(s, p.banks, p.perRow, p.permute, seed + 1)};
}
std::vector<std::vector<float>> channelMatrices(const Pattern&, const Shape& s, uint32_t seed) {
  return {maskBlocks(s, 1, s.cols, 0.6, seed)};
}

const FormatCase kFormats[] = {
    {"dense", gstest::densePattern(), denseMatrices},
    {"csr", gstest::csrPattern(), csrMatrices},
    {"block:4x1", gstest::blockPattern(4, 1), blockMatrices},
    {"block:3x5", gstest::blockPattern(3, 5), blockMatrices},
    {"2:4", gstest::nmPattern(2, 4), nmMatrices},
    {"3:8", gstest::nmPattern(3, 8), nmMatrices},
    {"gs:16", gstest::gsPattern(16, 1, false), gsMatrices},
    {"gs:8", gstest::gsPattern(8, 1, false), gsMatrices},
    {"gs:16x4", gstest::gsPattern(16, 4, false), gsMatrices},
    {"gs:32x32", gstest::gsPattern(32, 32, false), gsMatrices},
    {"gs:16:permute", gstest::gsPattern(16, 1, true), gsMatrices},
    {"channel", gstest::channelPattern(), channelMatrices},
};

// ---- reference and comparison -------------------------------------------------------------------

struct Reference {
  std::vector<double> sum, scale;  // [batch, rows]
};

Reference reference(const std::vector<float>& w, const Shape& s, const std::vector<float>& x, std::size_t batch) {
  Reference ref{std::vector<double>(batch * s.rows), std::vector<double>(batch * s.rows)};
  for (std::size_t b = 0; b < batch; ++b)
    for (uint32_t r = 0; r < s.rows; ++r) {
      double acc = 0, mag = 0;
      for (uint32_t c = 0; c < s.cols; ++c) {
        const double t = static_cast<double>(w[std::size_t{r} * s.cols + c]) * x[b * s.cols + c];
        acc += t;
        mag += std::fabs(t);
      }
      ref.sum[b * s.rows + r] = acc;
      ref.scale[b * s.rows + r] = mag;
    }
  return ref;
}

constexpr double kTol = 1e-5;

// Runs one (matrix, batch) through every epilogue with run(args); returns the number of bad outputs.
int checkOutputs(const std::vector<float>& dense, const Shape& s, std::size_t batch, uint32_t seed,
                 const std::string& label, const std::function<void(const MatmulArgs&)>& run) {
  const std::vector<float> x = gstest::randomMatrix(batch * s.cols, seed);
  const std::vector<float> bias = gstest::randomMatrix(s.rows, seed + 1);
  const Reference ref = reference(dense, s, x, batch);
  std::vector<float> y(batch * s.rows);
  int bad = 0;
  for (const auto& ep : kEpilogues) {
    std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
    run(matmulArgs(x, batch, y, ep.bias ? bias.data() : nullptr, ep.act));
    for (std::size_t i = 0; i < y.size(); ++i) {
      const std::size_t r = i % s.rows;
      const double b = ep.bias ? bias[r] : 0.0;
      const double want = activate(ref.sum[i] + b, ep.act);
      const double tol = kTol * std::max(1.0, ref.scale[i] + std::fabs(b));
      if (!(std::fabs(y[i] - want) <= tol)) {
        if (++bad <= 3)
          gstest::report(__FILE__, __LINE__,
                         label + " batch " + std::to_string(batch) + " " + ep.name + ": y[" +
                             std::to_string(i / s.rows) + "][" + std::to_string(r) + "] = " + std::to_string(y[i]) +
                             ", want " + std::to_string(want));
      }
    }
  }
  return bad;
}

// matmulCpu on every ISA this CPU has (whichever row each selects).
int checkMatmul(const PackedMatrix& pm, const std::vector<float>& dense, const Shape& s, std::size_t batch,
                uint32_t seed, const std::string& label) {
  int bad = 0;
  for (Isa isa : supportedIsas()) {
    setIsaOverrideForTesting(isa);
    bad += checkOutputs(dense, s, batch, seed, label + " isa " + isaName(isa),
                        [&](const MatmulArgs& args) { matmulCpu(pm, args); });
  }
  setIsaOverrideForTesting(detectedIsa());
  return bad;
}

// Calls f(format, shape, variant index, packed matrix, its dense form, label) for every matrix of
// every format of `kind` (all kinds when null) in dtype.
void forEachMatrix(const Kind* kind, DType dtype,
                   const std::function<void(const FormatCase&, const Shape&, const PackedMatrix&,
                                            const std::vector<float>&, const std::string&)>& f) {
  uint32_t seed = 1;
  for (const FormatCase& fc : kFormats) {
    if (kind && fc.pattern.kind != *kind) continue;
    for (const Shape& s : kShapes) {
      const auto variants = fc.matrices(fc.pattern, s, seed++);
      for (std::size_t v = 0; v < variants.size(); ++v) {
        if (variants[v].empty()) continue;
        const std::string label = std::string(fc.name) + (dtype == DType::F16 ? " f16 " : " f32 ") +
                                  std::to_string(s.rows) + "x" + std::to_string(s.cols) + " variant " +
                                  std::to_string(v);
        PackedMatrix pm;
        try {
          pm = pack(variants[v].data(), s.rows, s.cols, fc.pattern, dtype);
        } catch (const Error& e) {
          // Every matrix here has its pattern: a refusal is a bug (of pack() or of this test).
          CHECK_MSG(false, label + ": pack threw " + e.what());
          continue;
        }
        validate(pm);
        if (fc.pattern.permute && v == 1 && s.rows >= 64)  // the structured variant really permutes
          CHECK_MSG(pm.rowIds.size() > 0 && pm.rowIds[0] != 0, label + ": expected a non-identity permutation");
        std::vector<float> dense(std::size_t{s.rows} * s.cols);
        toDense(pm, dense.data());
        f(fc, s, pm, dense, label);
      }
    }
  }
}

// The levels each format is nested at here: N:M keeps m and halves n (none for odd n), the others
// three sparsities; dense has none.
std::vector<double> nestedLevels(const Pattern& p) {
  if (p.kind == Kind::Dense) return {};
  if (p.kind == Kind::NM)
    return p.n % 2 == 0 ? std::vector<double>{1.0 - double(p.n) / p.m, 1.0 - double(p.n / 2) / p.m} : std::vector<double>{};
  return {0.3, 0.6, 0.9};
}

// Calls f(shape, nested matrix, level, that level's dense form, label) for every level of a nested matrix
// (packNested of random weights) of every format of `kind` in dtype on every shape.
void forEachNestedLevel(Kind kind, DType dtype,
                        const std::function<void(const Shape&, const PackedMatrix&, uint32_t,
                                                 const std::vector<float>&, const std::string&)>& f) {
  uint32_t seed = 500;
  for (const FormatCase& fc : kFormats) {
    const std::vector<double> levels = nestedLevels(fc.pattern);
    if (fc.pattern.kind != kind || levels.empty()) continue;
    for (const Shape& s : kShapes) {
      const std::vector<float> w = gstest::randomMatrix(std::size_t{s.rows} * s.cols, seed++);
      const PackedMatrix pm = packNested(w.data(), s.rows, s.cols, fc.pattern, levels, dtype);
      validate(pm);
      for (uint32_t level = 0; level < pm.levelCount(); ++level) {
        std::vector<float> dense(std::size_t{s.rows} * s.cols);
        toDenseLevel(pm, level, dense.data());
        f(s, pm, level, dense,
          std::string("nested ") + fc.name + (dtype == DType::F16 ? " f16 " : " f32 ") + std::to_string(s.rows) + "x" +
              std::to_string(s.cols) + " level " + std::to_string(level));
      }
    }
  }
}

// One kernel-table row, called directly on every test matrix and batch it accepts.
void runRow(const cpu::KernelRow& row) {
  if (static_cast<int>(row.isa) > static_cast<int>(detectedIsa())) {
    std::printf("SKIP %s (no %s on this CPU)\n", row.name, isaName(row.isa));
    return;
  }
  const int failuresBefore = gstest::failures();
  int cases = 0;
  unsigned widths = 0;  // index widths exercised (mask as in the row)
  uint32_t seed = 1000;
  forEachMatrix(&row.kind, row.dtype,
                [&](const FormatCase&, const Shape& s, const PackedMatrix& pm, const std::vector<float>& dense,
                    const std::string& label) {
                  for (std::size_t batch : kBatches) {
                    if (!cpu::kernelAccepts(row, pm, batch)) continue;
                    ++cases;
                    widths |= pm.indices.width();
                    CHECK_MSG(checkOutputs(dense, s, batch, seed++, std::string(row.name) + " " + label,
                                           [&](const MatmulArgs& args) { row.run(pm, args); }) == 0,
                              label);
                  }
                });
  forEachNestedLevel(row.kind, row.dtype,
                     [&](const Shape& s, const PackedMatrix& pm, uint32_t level, const std::vector<float>& dense,
                         const std::string& label) {
                       for (std::size_t batch : kBatches) {
                         if (!cpu::kernelAccepts(row, pm, batch, level)) continue;
                         ++cases;
                         CHECK_MSG(checkOutputs(dense, s, batch, seed++, std::string(row.name) + " " + label,
                                                [&](const MatmulArgs& args) {
                                                  MatmulArgs at = args;
                                                  at.level = level;
                                                  row.run(pm, at);
                                                }) == 0,
                                   label);
                       }
                     });
  CHECK_MSG(cases > 0, std::string(row.name) + ": no test matrix exercises this row");
  if (row.indexWidths != cpu::kAnyIndex)  // a row restricted to some widths is tested at each of them
    CHECK_MSG(widths == row.indexWidths, std::string(row.name) + ": index widths tested " + std::to_string(widths) +
                                             " of " + std::to_string(row.indexWidths));
  if (gstest::failures() == failuresBefore) std::printf("PASS %s (%d cases)\n", row.name, cases);
}

const bool kRegistered = [] {
  for (const cpu::KernelRow& row : cpu::kernelTable())
    gstest::registry().push_back({row.name, [&row] { runRow(row); }});
  return true;
}();

}  // namespace

// Selection: matmulCpu finds a row that accepts every test case on every ISA, and every row of an
// ISA this CPU has is the one selected for some case (a row nothing dispatches would be untested
// code in production).
TEST(every_row_is_dispatched) {
  std::set<std::string> selected;
  for (DType dtype : {DType::F32, DType::F16})
    forEachMatrix(nullptr, dtype,
                  [&](const FormatCase&, const Shape&, const PackedMatrix& pm, const std::vector<float>&,
                      const std::string& label) {
                    for (Isa isa : supportedIsas())
                      for (std::size_t batch : kBatches) {
                        const cpu::KernelRow* row = cpu::selectKernel(pm, batch, isa);
                        CHECK_MSG(row != nullptr, label + " isa " + isaName(isa) + ": no row");
                        if (!row) continue;
                        CHECK_MSG(cpu::kernelAccepts(*row, pm, batch), label + ": selected " + row->name);
                        CHECK_MSG(row->isa == isa || row->isa == Isa::Scalar, label + ": selected " + row->name);
                        selected.insert(row->name);
                      }
                  });
  std::set<std::string> names;
  for (const cpu::KernelRow& row : cpu::kernelTable()) {
    CHECK_MSG(names.insert(row.name).second, std::string("duplicate kernel name ") + row.name);
    if (static_cast<int>(row.isa) <= static_cast<int>(detectedIsa()))
      CHECK_MSG(selected.count(row.name) == 1, std::string(row.name) + ": never selected");
  }
}

// Batches above one pass of transposed tiles (256 rows) and thread counts that split the work.
TEST(large_batch_and_thread_counts) {
  const Shape s{96, 300};
  const std::size_t batch = 300;
  for (const auto& f : kFormats) {
    const auto variants = f.matrices(f.pattern, s, 99);
    PackedMatrix pm = pack(variants[0].data(), s.rows, s.cols, f.pattern, DType::F32);
    std::vector<float> dense(std::size_t{s.rows} * s.cols);
    toDense(pm, dense.data());
    for (std::size_t t : {1, 3}) {
      setThreads(t);
      CHECK_MSG(checkMatmul(pm, dense, s, batch, 5, std::string(f.name) + " threads " + std::to_string(t)) == 0,
                f.name);
    }
  }
  setThreads(hardwareThreads());
}

// Batches of >= 4 X^T tiles (the row-blocked kernel's 4-tile passes and its per-matrix copy), both
// dtypes, rows over two 128-row chunks, K over several 128-column blocks with a remainder; then a copy
// of the matrix given other values (same structure) must not reuse the original's cache, and the
// original must stay right.
TEST(batched_gs_and_sparse_many_tiles) {
  uint32_t seed = 500;
  for (const auto& f : kFormats) {
    if (f.pattern.kind == Kind::Dense) continue;
    for (DType dtype : {DType::F32, DType::F16})
      for (const Shape& s : {Shape{200, 777}, Shape{64, 1025}, Shape{37, 70}}) {
        const auto variants = f.matrices(f.pattern, s, seed++);
        const std::string label = std::string(f.name) + (dtype == DType::F16 ? " f16 " : " f32 ") +
                                  std::to_string(s.rows) + "x" + std::to_string(s.cols);
        PackedMatrix pm = pack(variants.back().data(), s.rows, s.cols, f.pattern, dtype);
        std::vector<float> dense(std::size_t{s.rows} * s.cols);
        toDense(pm, dense.data());
        for (std::size_t batch : {64, 80})
          CHECK_MSG(checkMatmul(pm, dense, s, batch, seed++, label) == 0, label);
        std::vector<float> doubled = variants.back();
        for (float& v : doubled) v *= 2.0f;
        PackedMatrix copy = pm;
        copy.values = pack(doubled.data(), s.rows, s.cols, f.pattern, dtype).values;
        std::vector<float> dense2(dense.size());
        toDense(copy, dense2.data());
        CHECK_MSG(checkMatmul(copy, dense2, s, 64, seed++, label + " copy") == 0, label + " copy");
        CHECK_MSG(checkMatmul(pm, dense, s, 64, seed++, label + " again") == 0, label + " again");
      }
  }
}

// Dense and channel (the packed SGEMM / GEMV paths): batches 64 and 300 (odd tile count, two passes),
// K spanning several K blocks with a remainder, rows not a multiple of the micro-kernels' row blocks.
TEST(dense_sgemm_shapes) {
  const Shape shapes[] = {{29, 1100}, {130, 257}, {13, 600}};
  for (const FormatCase& f : kFormats) {
    if (f.pattern.kind != Kind::Dense && f.pattern.kind != Kind::Channel) continue;
    uint32_t seed = 500;
    for (DType dtype : {DType::F32, DType::F16})
      for (const Shape& s : shapes) {
        const auto variants = f.matrices(f.pattern, s, seed++);
        PackedMatrix pm = pack(variants[0].data(), s.rows, s.cols, f.pattern, dtype);
        std::vector<float> dense(std::size_t{s.rows} * s.cols);
        toDense(pm, dense.data());
        for (std::size_t batch : {std::size_t{1}, std::size_t{2}, std::size_t{64}, std::size_t{300}}) {
          const std::string label = std::string(f.name) + (dtype == DType::F16 ? " f16 " : " f32 ") +
                                    std::to_string(s.rows) + "x" + std::to_string(s.cols);
          CHECK_MSG(checkMatmul(pm, dense, s, batch, seed++, label) == 0, label);
        }
      }
  }
}

// kernelCacheBytes: 0 until a batched call builds the row-blocked copy, then about 6 bytes per
// nonzero (fp32 value + uint16 offset, a little padding), unchanged by later calls.
TEST(kernel_cache_bytes_follow_the_copy) {
  const Shape s{300, 520};
  std::vector<float> w = gstest::randomMatrix(std::size_t{s.rows} * s.cols, 5);
  std::mt19937 gen(6);
  gstest::dropBlocks(w, s, 1, 1, 0.5, gen);
  const PackedMatrix pm = pack(w.data(), s.rows, s.cols, gstest::csrPattern(), DType::F32);
  CHECK(kernelCacheBytes(pm) == 0);
  std::vector<float> x(64 * s.cols, 1.0f), y(64 * s.rows);
  const MatmulArgs args = matmulArgs(x, 64, y);
  matmulCpu(pm, args);
  const std::size_t bytes = kernelCacheBytes(pm), nnz = pm.nonzeros();
  if (activeIsa() == Isa::Scalar) {
    CHECK(bytes == 0);  // the portable kernels build no copy
  } else {
    CHECK_MSG(bytes >= 6 * nnz && bytes <= 9 * nnz, std::to_string(bytes) + " bytes for " + std::to_string(nnz));
    matmulCpu(pm, args);
    CHECK(kernelCacheBytes(pm) == bytes);
  }
}

// An Inf in x. Padding (the row-blocked copy's, GS's value-0 lanes) must never read x, so in csr and
// GS the Inf reaches exactly the rows that store a weight in its column (0 * Inf would be NaN): those
// rows are +-Inf or NaN, the others finite. Every format must give each row the same class (finite,
// Inf, NaN) at every batch size and ISA, whichever kernel runs (stored zeros of N:M and block are
// weights and multiply x in all of them).
enum class Finite { Yes, Inf, NaN };
Finite classify(float v) { return std::isnan(v) ? Finite::NaN : std::isinf(v) ? Finite::Inf : Finite::Yes; }

TEST(inf_in_x_same_rows_at_every_batch) {
  const Shape s{300, 520};
  std::vector<float> w = gstest::randomMatrix(std::size_t{s.rows} * s.cols, 77);
  std::size_t gsPadding = 0;
  for (const auto& f : kFormats) {
    // The Inf's column: where a GS padding lane points, else the first column of the row-blocked
    // copy's second block (where a wrong padding offset would point).
    std::size_t infCol = 128;
    PackedMatrix pm;
    if (f.pattern.kind == Kind::GS) {
      // A GS-pruned matrix with two weights taken from every 7th row, packed as is: those rows
      // get padding lanes.
      std::vector<float> m(w.size());
      toDense(pruneAndPack(w.data(), s.rows, s.cols, f.pattern, 0.9, DType::F32), m.data());
      for (uint32_t r = 0; r < s.rows; r += 7)
        for (uint32_t c = 0, taken = 0; c < s.cols && taken < 2; ++c)
          if (m[std::size_t{r} * s.cols + c] != 0.0f) m[std::size_t{r} * s.cols + c] = 0.0f, ++taken;
      pm = pack(m.data(), s.rows, s.cols, f.pattern, DType::F32);
    } else {
      std::vector<float> m = f.matrices(f.pattern, s, 79).back();
      if (f.pattern.kind == Kind::Csr) {  // ~10% kept at random: rows of uneven counts
        std::mt19937 gen(78);
        gstest::dropBlocks(m, s, 1, 1, 0.9, gen);
      }
      pm = pack(m.data(), s.rows, s.cols, f.pattern, DType::F32);
    }
    std::vector<float> dense(std::size_t{s.rows} * s.cols);
    toDense(pm, dense.data());
    const bool exact = f.pattern.kind == Kind::Csr || f.pattern.kind == Kind::GS;
    if (f.pattern.kind == Kind::GS) {  // the first padding lane of a real row
      CHECK(pm.indices.width() == 2);
      const std::size_t B = f.pattern.banks, E = f.pattern.perRow, R = B / E;
      bool found = false;
      for (std::size_t g = 0; g + 1 < pm.ptr.size(); ++g)
        for (std::size_t i = pm.ptr[g] * B; i < pm.ptr[g + 1] * B; ++i) {
          const std::size_t gr = g * R + (i % B) / E;
          const bool real = f.pattern.permute ? pm.rowIds[gr] != PackedMatrix::kNoRow : gr < s.rows;
          if (real && pm.values.f32()[i] == 0.0f) {
            ++gsPadding;
            if (!found) infCol = pm.indices.as<uint16_t>()[i], found = true;
          }
        }
    }
    std::vector<Finite> want(s.rows);
    bool first = true;
    for (std::size_t batch : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{64}, std::size_t{80}}) {
      std::vector<float> x(batch * s.cols, 0.5f), y(batch * s.rows);
      for (std::size_t b = 0; b < batch; ++b) x[b * s.cols + infCol] = std::numeric_limits<float>::infinity();
      for (Isa isa : supportedIsas()) {
        setIsaOverrideForTesting(isa);
        matmulCpu(pm, matmulArgs(x, batch, y));
        for (std::size_t b = 0; b < batch; ++b)
          for (uint32_t r = 0; r < s.rows; ++r) {
            const Finite got = classify(y[b * s.rows + r]);
            const std::string where = std::string(f.name) + " isa " + isaName(isa) + " batch " +
                                      std::to_string(batch) + " row " + std::to_string(r);
            if (first) want[r] = got;
            CHECK_MSG(got == want[r], where + ": finite/Inf/NaN differs from batch 1");
            if (exact) {
              const bool uses = dense[std::size_t{r} * s.cols + infCol] != 0.0f;
              CHECK_MSG(uses == (got != Finite::Yes), where + (uses ? ": should not be finite" : ": should be finite"));
            }
          }
        first = false;
      }
    }
  }
  CHECK_MSG(gsPadding > 0, "expected GS padding lanes in real rows (else the GS part proves nothing)");
  setIsaOverrideForTesting(detectedIsa());
}

// NaN in x propagates through every format (IEEE), including through relu.
TEST(nan_in_x_propagates) {
  const Shape s{16, 32};
  for (const auto& f : kFormats) {
    const auto variants = f.matrices(f.pattern, s, 3);
    PackedMatrix pm = pack(variants[0].data(), s.rows, s.cols, f.pattern, DType::F32);
    std::vector<float> x(s.cols, 1.0f), y(s.rows, 0.0f);
    x[5] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> dense(std::size_t{s.rows} * s.cols);
    toDense(pm, dense.data());
    matmulCpu(pm, matmulArgs(x, 1, y, nullptr, Activation::Relu));
    for (uint32_t r = 0; r < s.rows; ++r)
      if (dense[std::size_t{r} * s.cols + 5] != 0.0f) CHECK_MSG(std::isnan(y[r]), f.name);
  }
}

// The vector epilogue against the float64 one on every value that matters: GELU from -30 to 30 (within
// 2e-6 relative for |x| <= 5, 1e-5 in the tail down to 1e-30, below that 1e-30 absolute), relu, bias,
// Inf / NaN, strided sources, every span length up to two vectors plus a tail.
TEST(vector_epilogue_matches_float64) {
  struct IsaFn {
    Isa isa;
    cpu::EpilogueSpanFn fn;
  };
  // Every ISA table carries an instance of the vector epilogue (epilogue_simd.h): the row-blocked one.
  for (const IsaFn& f : {IsaFn{Isa::Avx2, cpu::kRowBlockedAvx2.store}, IsaFn{Isa::Avx512, cpu::kRowBlockedAvx512.store}}) {
    if (static_cast<int>(f.isa) > static_cast<int>(detectedIsa())) {
      std::printf("SKIP vector epilogue %s: this CPU lacks it\n", isaName(f.isa));
      continue;
    }
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> v{0.0f, -0.0f, 1e-30f, -1e-30f, 1e-8f, inf, -inf, nan, 8.8f, -8.8f, 12.5f, -12.5f, 1e30f, -1e30f};
    for (int i = -3000; i <= 3000; ++i) v.push_back(i * 0.01f);
    for (const auto act : {Activation::None, Activation::Relu, Activation::Gelu})
      for (const bool withBias : {false, true}) {
        std::vector<float> bias(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) bias[i] = withBias ? 0.25f * static_cast<float>(i % 7) - 0.75f : 0.0f;
        std::vector<float> y(v.size(), -7.0f);
        f.fn(v.data(), 1, withBias ? bias.data() : nullptr, static_cast<uint8_t>(act), y.data(), v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
          const float in = v[i] + bias[i];
          // NaN propagates through every activation (the library's rule; relu's float64 reference says 0).
          const double ref = std::isnan(in) ? std::nan("") : activate(static_cast<double>(in), act);
          const bool ok = std::isnan(ref) ? std::isnan(y[i])
                          : std::isinf(ref) ? y[i] == ref
                                            : std::fabs(y[i] - ref) <= std::max((std::fabs(in) <= 5 ? 2e-6 : 1e-5) * std::fabs(ref), 1e-30);
          if (!ok) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "%s act %d: x=%.9g y=%.9g ref=%.9g", isaName(f.isa), static_cast<int>(act),
                          static_cast<double>(in), static_cast<double>(y[i]), ref);
            CHECK_MSG(ok, msg);
          }
        }
      }
    // Strided source (a chunk's accumulators, 64 floats apart) and every length: lanes past n untouched.
    for (std::size_t n = 0; n <= 40; ++n) {
      std::vector<float> src(n * 64 + 1), y(n + 16, 5.0f);
      for (std::size_t i = 0; i < n; ++i) src[i * 64] = static_cast<float>(i) - 20.0f;
      f.fn(src.data(), 64, nullptr, static_cast<uint8_t>(Activation::Relu), y.data(), n);
      for (std::size_t i = 0; i < n; ++i) CHECK(y[i] == std::max(0.0f, static_cast<float>(i) - 20.0f));
      for (std::size_t i = n; i < y.size(); ++i) CHECK(y[i] == 5.0f);
    }
  }
}

TEST_MAIN()
