// Nested levels (docs/formats.md, Nested levels): levelsProblem, validation of the level fields,
// per-level nonzero counts, and the repeat check the formats share.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "formats_internal.h"
#include "gsparse/nested.h"

namespace gsparse {

namespace {

// A double as JavaScript prints it: the shortest text that reads back as the same number.
std::string text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace

std::string levelsProblem(const std::vector<double>& levels, const std::string& name) {
  if (levels.size() < 2 || levels.size() > PackedMatrix::kMaxLevels) {
    return name + ": expected 2 to " + std::to_string(PackedMatrix::kMaxLevels) + " sparsities, got " +
           std::to_string(levels.size());
  }
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const std::string where = name + "[" + std::to_string(k) + "]";
    if (!(std::isfinite(levels[k]) && levels[k] >= 0.0 && levels[k] < 1.0)) {
      return where + ": expected a sparsity in [0, 1), got " + text(levels[k]);
    }
    if (k > 0 && !(levels[k] > levels[k - 1])) {
      return where + ": expected more than " + name + "[" + std::to_string(k - 1) + "] (" + text(levels[k - 1]) +
             ": levels ascend strictly), got " + text(levels[k]);
    }
  }
  return "";
}

namespace formats {

bool RepeatFinder::hasRepeat(std::vector<uint32_t>& list) {
  if (stamp_.empty()) {
    std::sort(list.begin(), list.end());
    return std::adjacent_find(list.begin(), list.end()) != list.end();
  }
  ++epoch_;
  for (uint32_t v : list) {
    if (stamp_[v] == epoch_) return true;
    stamp_[v] = epoch_;
  }
  return false;
}

void requireDistinctAcrossRuns(const PackedMatrix& m, uint64_t bound, const char* what) {
  if (m.levelCount() == 1) return;
  RepeatFinder finder(bound, m.indices.size());
  std::vector<uint32_t> list;
  for (std::size_t s = 0; s < m.levelSegments(); ++s) {
    list.clear();
    for (std::size_t i = m.ptr[s]; i < m.ptr[s + 1]; ++i) list.push_back(m.indices.get(i));
    if (!finder.hasRepeat(list)) continue;
    fail(ErrorCode::Corrupt, std::string(what) + " " + std::to_string(s) + ": an index is stored by two levels");
  }
}

void requireLevelIndex(const PackedMatrix& m, uint32_t level) {
  require(level < m.levelCount(), "level: expected an integer in 0.." + std::to_string(m.levelCount() - 1) +
                                      ", got " + std::to_string(level));
}

namespace {

// N:M: n = n_0 > n_1 > ... >= 1, and each level's sparsity is exactly 1 - n_k/m.
void requireNMLevels(const PackedMatrix& m) {
  const uint32_t L = m.levelCount();
  for (uint32_t k = 1; k < L; ++k) {
    const uint32_t n = m.levelEnd(k, 0), denser = m.levelEnd(k - 1, 0);
    requireValid(n >= 1 && n < denser, "levelEnds[" + std::to_string(k - 1) + "]: expected the N of level " +
                                           std::to_string(k) + " in 1.." + std::to_string(denser - 1) + ", got " +
                                           std::to_string(n));
  }
  for (uint32_t k = 0; k < L; ++k) {
    const uint32_t n = m.levelEnd(k, 0);
    const double expected = 1.0 - static_cast<double>(n) / m.pattern.m;
    requireValid(m.levelSparsity[k] == expected, "levelSparsity[" + std::to_string(k) + "]: expected " + text(expected) +
                                                    " (" + std::to_string(n) + ":" + std::to_string(m.pattern.m) +
                                                    "), got " + text(m.levelSparsity[k]));
  }
}

// csr/block/gs/channel: in every segment, start <= end_{L-1} <= ... <= end_1 <= end_0.
void requireSegmentEnds(const PackedMatrix& m, uint64_t segments) {
  for (uint64_t s = 0; s < segments; ++s) {
    const uint32_t start = m.pattern.kind == Kind::Channel ? 0 : m.ptr[s];
    for (uint32_t k = 1; k < m.levelCount(); ++k) {
      const uint32_t end = m.levelEnd(k, s), denser = m.levelEnd(k - 1, s);
      if (end >= start && end <= denser) continue;
      fail(ErrorCode::Corrupt, "levelEnds[" + std::to_string((k - 1) * segments + s) + "]: level " + std::to_string(k) +
                                   " ends segment " + std::to_string(s) + " at " + std::to_string(end) + ", expected " +
                                   std::to_string(start) + ".." + std::to_string(denser) + " (within level " +
                                   std::to_string(k - 1) + "'s)");
    }
  }
}

}  // namespace

void requireLevels(const PackedMatrix& m, uint64_t segments) {
  if (m.levelSparsity.empty()) {
    requireSize(m.levelEnds.size(), 0, "levelEnds");
    return;
  }
  requireValid(m.pattern.kind != Kind::Dense, "levelSparsity: a dense matrix has no levels, got " +
                                                  std::to_string(m.levelSparsity.size()));
  const std::string problem = levelsProblem(m.levelSparsity, "levelSparsity");
  requireValid(problem.empty(), problem);
  requireSize(m.levelEnds.size(), mulSat(m.levelSparsity.size() - 1, segments), "levelEnds");
  if (m.pattern.kind == Kind::NM) requireNMLevels(m);
  else requireSegmentEnds(m, segments);
}

}  // namespace formats

uint64_t nonzerosLevel(const PackedMatrix& m, uint32_t level) {
  formats::requireLevelIndex(m, level);
  uint64_t count = 0;
  auto countRange = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) count += m.values.get(i) != 0.0f ? 1 : 0;
  };
  switch (m.pattern.kind) {
    case Kind::Dense: countRange(0, m.values.size()); break;
    case Kind::NM:
      for (std::size_t g = 0; g < m.values.size(); g += m.pattern.n) countRange(g, g + m.levelEnd(level, 0));
      break;
    case Kind::Channel: countRange(0, std::size_t{m.levelEnd(level, 0)} * m.cols); break;
    case Kind::Csr:
    case Kind::Block:
    case Kind::GS: {
      // Values per entry: 1, a block, a pack.
      const std::size_t unit = m.pattern.kind == Kind::Csr     ? 1
                               : m.pattern.kind == Kind::Block ? std::size_t{m.pattern.blockRows} * m.pattern.blockCols
                                                               : m.pattern.banks;
      for (std::size_t s = 0; s < m.levelSegments(); ++s) countRange(m.ptr[s] * unit, m.levelEnd(level, s) * unit);
      break;
    }
  }
  return count;
}

}  // namespace gsparse
