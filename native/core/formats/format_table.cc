// Entry points of packed_matrix.h and nested.h's toDenseLevel: the checks every format shares, then
// dispatch by Kind to the per-format operations (one file per format). Also the helpers declared in
// formats_internal.h (the nested-level ones are in levels.cc).
#include <algorithm>
#include <cmath>
#include <string>

#include "formats_internal.h"
#include "gsparse/nested.h"
#include "gsparse/packed_matrix.h"

namespace gsparse {
namespace formats {

uint32_t toPtrValue(uint64_t count, const std::string& what) {
  require(count <= UINT32_MAX, what + ": expected at most 4294967295 entries, got " + std::to_string(count));
  return static_cast<uint32_t>(count);
}

PackedMatrix emptyLike(const DenseInput& in) {
  PackedMatrix m;
  m.pattern = in.pattern;
  m.rows = in.rows;
  m.cols = in.cols;
  m.values.reset(in.dtype, 0);
  return m;
}

void requireSize(std::size_t actual, uint64_t expected, const char* what) {
  if (actual == expected) return;
  fail(ErrorCode::Corrupt,
       std::string(what) + ": expected " + std::to_string(expected) + " entries, got " + std::to_string(actual));
}

void requireIndexWidth(const IndexArray& indices, unsigned expected) {
  requireValid(indices.width() == expected, "indices: expected width " + std::to_string(expected) + " bytes, got " +
                                                std::to_string(indices.width()));
}

void requireNoIndices(const IndexArray& indices) {
  requireSize(indices.size(), 0, "indices");
  requireIndexWidth(indices, 4);
}

uint64_t requirePtr(const std::vector<uint32_t>& ptr, uint64_t segments, const char* what) {
  requireSize(ptr.size(), segments + 1, what);
  requireValid(ptr[0] == 0, std::string(what) + "[0]: expected 0, got " + std::to_string(ptr[0]));
  for (std::size_t i = 1; i < ptr.size(); ++i) {
    if (ptr[i] >= ptr[i - 1]) continue;
    fail(ErrorCode::Corrupt, std::string(what) + "[" + std::to_string(i) + "]: expected >= " +
                                 std::to_string(ptr[i - 1]) + ", got " + std::to_string(ptr[i]));
  }
  return ptr.back();
}

void requireSortedBelow(const IndexArray& indices, std::size_t begin, std::size_t end, uint64_t bound,
                        const char* what) {
  for (std::size_t i = begin; i < end; ++i) {
    uint32_t v = indices.get(i);
    if (v < bound && (i == begin || v > indices.get(i - 1))) continue;
    std::string where = std::string(what) + ": indices[" + std::to_string(i) + "] = " + std::to_string(v);
    if (v >= bound) fail(ErrorCode::Corrupt, where + " is out of range (expected < " + std::to_string(bound) + ")");
    fail(ErrorCode::Corrupt, where + " does not increase (expected > " + std::to_string(indices.get(i - 1)) + ")");
  }
}

namespace {

const FormatOps& opsFor(Kind kind) {
  switch (kind) {
    case Kind::Dense: return kDenseOps;
    case Kind::Csr: return kCsrOps;
    case Kind::Block: return kBlockOps;
    case Kind::NM: return kNMOps;
    case Kind::GS: return kGSOps;
    case Kind::Channel: return kChannelOps;
  }
  fail(ErrorCode::Internal, "unknown pattern kind " + std::to_string(static_cast<int>(kind)));
}

std::string describe(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return std::to_string(v);
}

// Smallest magnitude that floatToHalf rounds to infinity.
constexpr float kHalfOverflow = 65520.0f;

void requireFiniteValues(const ValueArray& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    float v = values.get(i);
    if (!std::isfinite(v)) fail(ErrorCode::Corrupt, "values[" + std::to_string(i) + "]: expected a finite value, got " + describe(v));
  }
}

}  // namespace
}  // namespace formats

void requireStorable(const float* w, std::size_t count, DType dtype) {
  for (std::size_t i = 0; i < count; ++i) {
    float v = w[i];
    if (std::isfinite(v) && (dtype != DType::F16 || std::fabs(v) < formats::kHalfOverflow)) continue;
    if (!std::isfinite(v)) fail(ErrorCode::Range, "w[" + std::to_string(i) + "]: expected a finite value, got " + formats::describe(v));
    fail(ErrorCode::Range,
         "w[" + std::to_string(i) + "]: expected a value representable as fp16 (|w| <= 65504), got " + formats::describe(v));
  }
}

PackedMatrix pack(const float* dense, uint32_t rows, uint32_t cols, const Pattern& pattern, DType dtype) {
  validatePattern(pattern);
  require(rows >= 1 && cols >= 1,
          "shape: expected rows >= 1 and cols >= 1, got " + std::to_string(rows) + "x" + std::to_string(cols));
  require(dtype == DType::F32 || dtype == DType::F16,
          "dtype: expected f32 or f16, got " + std::to_string(static_cast<int>(dtype)));
  require(dense != nullptr, "w: expected a matrix, got null");
  requireStorable(dense, static_cast<std::size_t>(rows) * cols, dtype);
  return formats::opsFor(pattern.kind).pack(formats::DenseInput{dense, rows, cols, pattern, dtype});
}

void toDense(const PackedMatrix& m, float* out) { toDenseLevel(m, 0, out); }

void toDenseLevel(const PackedMatrix& m, uint32_t level, float* out) {
  formats::requireLevelIndex(m, level);
  std::fill(out, out + static_cast<std::size_t>(m.rows) * m.cols, 0.0f);
  formats::opsFor(m.pattern.kind).accumulate(m, level, out);
}

void validate(const PackedMatrix& m) {
  try {
    validatePattern(m.pattern);
  } catch (const Error& e) {
    fail(ErrorCode::Corrupt, std::string("pattern: ") + e.what());
  }
  // The same bounds the addon puts on shapes from JS (dimensions fit an int32).
  requireValid(m.rows >= 1 && m.cols >= 1 && m.rows <= INT32_MAX && m.cols <= INT32_MAX,
               "shape: expected rows and cols in 1..2147483647, got " + std::to_string(m.rows) + "x" + std::to_string(m.cols));
  requireValid(m.dtype() == DType::F32 || m.dtype() == DType::F16,
               "dtype: expected f32 or f16, got " + std::to_string(static_cast<int>(m.dtype())));
  formats::opsFor(m.pattern.kind).validate(m);
  formats::requireFiniteValues(m.values);
}

uint64_t PackedMatrix::nonzeros() const {
  uint64_t count = 0;
  for (std::size_t i = 0; i < values.size(); ++i) count += values.get(i) != 0.0f ? 1 : 0;
  return count;
}

}  // namespace gsparse
