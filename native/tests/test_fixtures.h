// Shared fixtures of the native tests and the benchmarks: random matrices, pattern factories and the
// patterns every format test covers, shapes, the masking that gives a random dense matrix a pattern
// (independent of the library's own pruning), stored values, and the epilogue cases with their
// float64 reference, and edits of serialized bytes.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "gsparse/fp16.h"
#include "gsparse/kernels.h"
#include "gsparse/pattern.h"
#include "gsparse/serialize.h"

namespace gstest {

struct Shape {
  uint32_t rows, cols;
};

// Deterministic Gaussian weights.
inline std::vector<float> randomMatrix(std::size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

// A Gaussian weight at least 0.1 away from 0: never 0 (which means pruned), also after fp16 rounding.
inline float nonzeroWeight(std::mt19937& gen) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  const float v = d(gen);
  return v < 0 ? v - 0.1f : v + 0.1f;
}

// n nonzero weights (nonzeroWeight), deterministic.
inline std::vector<float> nonzeroMatrix(std::size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<float> w(n);
  for (auto& v : w) v = nonzeroWeight(gen);
  return w;
}

// The value a weight has once stored in dtype.
inline float stored(float v, gsparse::DType dtype) {
  return dtype == gsparse::DType::F16 ? gsparse::halfToFloat(gsparse::floatToHalf(v)) : v;
}

inline gsparse::Pattern kindPattern(gsparse::Kind kind) {
  gsparse::Pattern p;
  p.kind = kind;
  return p;
}
inline gsparse::Pattern densePattern() { return kindPattern(gsparse::Kind::Dense); }
inline gsparse::Pattern csrPattern() { return kindPattern(gsparse::Kind::Csr); }
inline gsparse::Pattern channelPattern() { return kindPattern(gsparse::Kind::Channel); }
inline gsparse::Pattern blockPattern(uint32_t rows, uint32_t cols) {
  gsparse::Pattern p = kindPattern(gsparse::Kind::Block);
  p.blockRows = rows;
  p.blockCols = cols;
  return p;
}
inline gsparse::Pattern nmPattern(uint32_t n, uint32_t m) {
  gsparse::Pattern p = kindPattern(gsparse::Kind::NM);
  p.n = n;
  p.m = m;
  return p;
}
inline gsparse::Pattern gsPattern(uint32_t banks, uint32_t perRow = 1, bool permute = false) {
  gsparse::Pattern p = kindPattern(gsparse::Kind::GS);
  p.banks = banks;
  p.perRow = perRow;
  p.permute = permute;
  return p;
}

// The patterns the format tests (pack, validate, serialize) cover: every kind, edge parameters (1:4,
// 5:5, gs:16x16, ...), partial blocks and groups, GS with and without permute.
inline std::vector<gsparse::Pattern> allPatterns() {
  return {densePattern(),       csrPattern(),          channelPattern(),       blockPattern(4, 1),
          blockPattern(1, 8),   blockPattern(4, 4),    blockPattern(3, 5),     nmPattern(2, 4),
          nmPattern(1, 4),      nmPattern(4, 8),       nmPattern(3, 16),       nmPattern(5, 5),
          gsPattern(16),        gsPattern(16, 4),      gsPattern(16, 16),      gsPattern(8),
          gsPattern(32),        gsPattern(16, 1, true), gsPattern(8, 1, true), gsPattern(8, 2, true),
          gsPattern(32, 1, true), gsPattern(32, 2, true)};
}

// Zeroes each br x bc block of the row-major s.rows x s.cols matrix w (edge blocks clipped) with
// probability drop, blocks in row-major order. br = 1, bc = 1: single entries; bc = s.cols: rows.
inline void dropBlocks(std::vector<float>& w, Shape s, uint32_t br, uint32_t bc, double drop, std::mt19937& gen) {
  std::bernoulli_distribution coin(drop);
  for (uint32_t r0 = 0; r0 < s.rows; r0 += br)
    for (uint32_t c0 = 0; c0 < s.cols; c0 += bc) {
      if (!coin(gen)) continue;
      for (uint32_t r = r0; r < std::min(s.rows, r0 + br); ++r)
        std::fill_n(w.begin() + std::size_t{r} * s.cols + c0, std::min(bc, s.cols - c0), 0.0f);
    }
}

// Keeps exactly n random entries of every group of m columns (all of a narrower last group when it
// has <= n), zeroing the rest.
inline void keepRandomNM(std::vector<float>& w, Shape s, uint32_t n, uint32_t m, std::mt19937& gen) {
  std::vector<uint32_t> order(m);
  for (uint32_t r = 0; r < s.rows; ++r)
    for (uint32_t c0 = 0; c0 < s.cols; c0 += m) {
      const uint32_t width = std::min(m, s.cols - c0);
      std::iota(order.begin(), order.begin() + width, 0u);
      std::shuffle(order.begin(), order.begin() + width, gen);
      for (uint32_t k = n; k < width; ++k) w[std::size_t{r} * s.cols + c0 + order[k]] = 0.0f;
    }
}

// The epilogues every matmul test runs.
struct EpilogueCase {
  const char* name;
  bool bias;
  gsparse::Activation act;
};
inline constexpr EpilogueCase kEpilogues[] = {{"none", false, gsparse::Activation::None},
                                              {"bias+relu", true, gsparse::Activation::Relu},
                                              {"bias+gelu", true, gsparse::Activation::Gelu}};

// The arguments of one call: X [batch, cols] -> Y [batch, rows], optional bias and activation.
inline gsparse::MatmulArgs matmulArgs(const std::vector<float>& x, std::size_t batch, std::vector<float>& y,
                                      const float* bias = nullptr, gsparse::Activation act = gsparse::Activation::None) {
  gsparse::MatmulArgs a;
  a.x = x.data();
  a.batch = batch;
  a.y = y.data();
  a.bias = bias;
  a.activation = act;
  return a;
}

// The activation in float64 (exact GELU, as 0.5 v erfc(-v / sqrt 2): 1 + erf cancels to 0 below -8.3).
inline double activate(double v, gsparse::Activation a) {
  if (a == gsparse::Activation::Relu) return v > 0 ? v : 0;
  if (a == gsparse::Activation::Gelu) return 0.5 * v * std::erfc(-v / std::sqrt(2.0));
  return v;
}

// ---- serialized bytes (docs/formats.md, Serialization) ---------------------------------------------

inline void putLE(std::vector<uint8_t>& bytes, std::size_t at, uint64_t v, unsigned size) {
  for (unsigned i = 0; i < size; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint64_t getLE(const std::vector<uint8_t>& bytes, std::size_t at, unsigned size) {
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= uint64_t{bytes[at + i]} << (8 * i);
  return v;
}

// Rewrites the trailing CRC so that an alteration passes the checksum and reaches the structure checks.
inline void resealCrc(std::vector<uint8_t>& bytes) {
  putLE(bytes, bytes.size() - 4, gsparse::crc32(bytes.data(), bytes.size() - 4), 4);
}

// One alteration of serialized bytes: `size` bytes at `at` set to `value` (little-endian).
struct Alteration {
  const char* what;
  std::size_t at;
  uint64_t value;
  unsigned size;
};

// The bytes with the alteration made and the CRC resealed.
inline std::vector<uint8_t> altered(std::vector<uint8_t> bytes, const Alteration& a) {
  putLE(bytes, a.at, a.value, a.size);
  resealCrc(bytes);
  return bytes;
}

}  // namespace gstest
