// Serialization: bit-exact round trips for every format and dtype, and deserialize's answers to
// truncated, altered, foreign and hostile bytes (Corrupt / Version, never a crash or a huge allocation).
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gsparse/errors.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/pattern.h"
#include "gsparse/serialize.h"
#include "test_fixtures.h"
#include "test_framework.h"

using namespace gsparse;

namespace {

using gstest::allPatterns;

// A matrix that has pattern p: random zeros (csr, block; channel: whole rows, then entries), n random
// survivors per group, some dropped again (N:M), or bank-balanced rows (GS: every row holds the same
// number of nonzeros in each bank, so every group's banks hold exactly as many as its packs).
std::vector<float> matrixFor(const Pattern& p, uint32_t rows, uint32_t cols, uint32_t seed) {
  const gstest::Shape s{rows, cols};
  std::vector<float> w = gstest::randomMatrix(size_t(rows) * cols, seed);
  std::mt19937 gen(seed);
  if (p.kind == Kind::GS && cols >= p.banks) {
    // Keep the even runs of B columns that lie wholly inside the matrix: one nonzero per bank each.
    for (uint32_t r = 0; r < rows; ++r)
      for (uint32_t c = 0; c < cols; ++c) {
        const uint32_t run = c / p.banks;
        if (run % 2 == 1 || uint64_t{run + 1} * p.banks > cols) w[size_t(r) * cols + c] = 0.0f;
      }
    return w;
  }
  if (p.kind == Kind::NM) gstest::keepRandomNM(w, s, p.n, p.m, gen);
  if (p.kind == Kind::Channel) gstest::dropBlocks(w, s, 1, cols, 0.3, gen);
  if (p.kind != Kind::Dense) gstest::dropBlocks(w, s, 1, 1, 0.5, gen);
  return w;
}

PackedMatrix packFor(const Pattern& p, uint32_t rows, uint32_t cols, DType t, uint32_t seed = 1) {
  std::vector<float> w = matrixFor(p, rows, cols, seed);
  return pack(w.data(), rows, cols, p, t);
}

bool sameBytes(const void* a, const void* b, std::size_t n) { return n == 0 || std::memcmp(a, b, n) == 0; }

bool sameArrays(const PackedMatrix& a, const PackedMatrix& b) {
  return a.values.dtype() == b.values.dtype() && a.values.byteSize() == b.values.byteSize() &&
         sameBytes(a.values.rawData(), b.values.rawData(), a.values.byteSize()) &&
         a.indices.width() == b.indices.width() && a.indices.byteSize() == b.indices.byteSize() &&
         sameBytes(a.indices.rawData(), b.indices.rawData(), a.indices.byteSize()) && a.ptr == b.ptr &&
         a.rowIds == b.rowIds;
}

// Deserialize, expecting one of the two codes; anything else (no throw, another code, a foreign
// exception) is reported.
void expectRejected(const std::vector<uint8_t>& bytes, std::size_t size, const std::string& what,
                    bool versionOk = false) {
  try {
    deserialize(bytes.data(), size);
    gstest::report(__FILE__, __LINE__, what + ": accepted");
  } catch (const Error& e) {
    bool ok = e.code() == ErrorCode::Corrupt || (versionOk && e.code() == ErrorCode::Version);
    CHECK_MSG(ok, what + ": " + e.what());
  } catch (const std::exception& e) {
    gstest::report(__FILE__, __LINE__, what + ": foreign exception " + e.what());
  }
}

using gstest::getLE;
using gstest::putLE;
using gstest::resealCrc;

// Header layout (serialize.cc).
constexpr std::size_t kVersionAt = 4, kKindAt = 8, kDTypeAt = 9, kWidthAt = 10, kPermuteAt = 11, kP1At = 12,
                      kRowsAt = 20, kColsAt = 24, kValuesCountAt = 28, kIndicesCountAt = 36, kHeaderBytes = 60;

}  // namespace

TEST(crc32_matches_the_ieee_check_value) {
  const char* text = "123456789";
  const uint8_t* data = reinterpret_cast<const uint8_t*>(text);
  CHECK(crc32(data, 9) == 0xCBF43926u);
  CHECK(crc32(data + 4, 5, crc32(data, 4)) == 0xCBF43926u);  // incremental
  CHECK(crc32(data, 0) == 0);
}

TEST(every_format_round_trips_bit_exactly) {
  for (const Pattern& p : allPatterns()) {
    for (DType t : {DType::F32, DType::F16}) {
      for (auto [rows, cols] : {std::pair<uint32_t, uint32_t>{33, 70}, {1, 1}, {3, 70000}}) {
        const std::string what = patternToString(p) + (t == DType::F32 ? " f32 " : " f16 ") + std::to_string(rows) +
                                 "x" + std::to_string(cols);
        PackedMatrix m = packFor(p, rows, cols, t);
        std::vector<uint8_t> bytes = serialize(m);
        CHECK_MSG(bytes.size() == kHeaderBytes + m.byteSize() + 4, what);
        PackedMatrix back = deserialize(bytes.data(), bytes.size());
        CHECK_MSG(patternToString(back.pattern) == patternToString(p) && back.rows == rows && back.cols == cols, what);
        CHECK_MSG(sameArrays(m, back), what);
        CHECK_MSG(serialize(back) == bytes, what);
      }
    }
  }
}

TEST(truncation_at_every_length_is_corrupt) {
  for (const Pattern& p : {gstest::csrPattern(), gstest::gsPattern(8, 2, true), gstest::nmPattern(2, 4)}) {
    std::vector<uint8_t> bytes = serialize(packFor(p, 9, 20, DType::F16));
    for (std::size_t len = 0; len < bytes.size(); ++len) {
      CHECK_THROWS_CODE(deserialize(bytes.data(), len), ErrorCode::Corrupt);
    }
    std::vector<uint8_t> longer = bytes;
    longer.push_back(0);
    CHECK_THROWS_CODE(deserialize(longer.data(), longer.size()), ErrorCode::Corrupt);
  }
  CHECK_THROWS_CODE(deserialize(nullptr, 0), ErrorCode::Corrupt);
}

TEST(flipping_any_byte_is_corrupt_or_version) {
  for (const Pattern& p : allPatterns()) {
    std::vector<uint8_t> bytes = serialize(packFor(p, 5, 19, DType::F32));
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
        std::vector<uint8_t> bad = bytes;
        bad[i] ^= mask;
        expectRejected(bad, bad.size(), patternToString(p) + " byte " + std::to_string(i), true);
      }
    }
  }
}

TEST(bad_magic_and_foreign_bytes_are_corrupt) {
  std::vector<uint8_t> bytes = serialize(packFor(gstest::csrPattern(), 4, 4, DType::F32));
  bytes[0] = 'X';
  resealCrc(bytes);
  try {
    deserialize(bytes.data(), bytes.size());
    gstest::report(__FILE__, __LINE__, "bad magic accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_MSG(std::string(e.what()) == "not a gsparse matrix (bad magic)", e.what());
  }
  std::mt19937 gen(3);
  for (std::size_t len : {0u, 3u, 63u, 64u, 65u, 200u, 4096u}) {
    std::vector<uint8_t> junk(len);
    for (auto& b : junk) b = static_cast<uint8_t>(gen());
    if (len >= 4) std::memcpy(junk.data(), "GSPM", 4);
    expectRejected(junk, junk.size(), "junk of " + std::to_string(len) + " bytes");
  }
}

TEST(newer_version_with_valid_crc_is_version) {
  std::vector<uint8_t> bytes = serialize(packFor(gstest::gsPattern(16, 1), 20, 48, DType::F16));
  putLE(bytes, kVersionAt, 2, 2);
  resealCrc(bytes);
  CHECK_THROWS_CODE(deserialize(bytes.data(), bytes.size()), ErrorCode::Version);
  putLE(bytes, kVersionAt, 0, 2);
  resealCrc(bytes);
  CHECK_THROWS_CODE(deserialize(bytes.data(), bytes.size()), ErrorCode::Version);
}

TEST(valid_crc_but_broken_structure_is_corrupt) {
  const PackedMatrix csr = packFor(gstest::csrPattern(), 6, 10, DType::F32);
  const std::vector<uint8_t> bytes = serialize(csr);
  const std::size_t indicesAt = kHeaderBytes + csr.values.byteSize();
  const std::size_t ptrAt = indicesAt + csr.indices.byteSize();
  const gstest::Alteration alterations[] = {
      {"index out of range", indicesAt, 10, 2},
      {"ptr[0] not 0", ptrAt, 1, 4},
      {"ptr decreasing", ptrAt + 4, 1000, 4},
      {"kind unknown", kKindAt, 9, 1},
      {"kind changed", kKindAt, static_cast<uint8_t>(Kind::Dense), 1},
      {"dtype unknown", kDTypeAt, 7, 1},
      {"index width 3", kWidthAt, 3, 1},
      {"index width 4", kWidthAt, 4, 1},
      {"permute on csr", kPermuteAt, 1, 1},
      {"params on csr", kP1At, 4, 4},
      {"rows", kRowsAt, 7, 4},
      {"rows zero", kRowsAt, 0, 4},
      {"cols narrower than an index", kColsAt, 2, 4},
      {"reserved", kVersionAt + 2, 1, 2},
      {"values count", kValuesCountAt, csr.values.size() - 1, 8},
      {"indices count", kIndicesCountAt, csr.indices.size() + 2, 8},
      {"values count 2^40", kValuesCountAt, uint64_t{1} << 40, 8},
      {"values count 2^64-1", kValuesCountAt, ~uint64_t{0}, 8},
      {"values count wrapping", kValuesCountAt, (~uint64_t{0} / 4) + 2, 8},
  };
  for (const gstest::Alteration& a : alterations) {
    const std::vector<uint8_t> bad = gstest::altered(bytes, a);
    expectRejected(bad, bad.size(), a.what);
  }
}

TEST(valid_crc_but_broken_gs_structure_is_corrupt) {
  const PackedMatrix gs = packFor(gstest::gsPattern(8, 1, true), 12, 32, DType::F32);
  const std::vector<uint8_t> bytes = serialize(gs);
  const std::size_t indicesAt = kHeaderBytes + gs.values.byteSize();
  const std::size_t rowIdsAt = bytes.size() - 4 - 4 * gs.rowIds.size();
  std::vector<uint8_t> bad = bytes;
  putLE(bad, indicesAt + 2, getLE(bad, indicesAt, 2) + 8, 2);  // lane 1 into lane 0's bank
  resealCrc(bad);
  expectRejected(bad, bad.size(), "bank clash");
  bad = bytes;
  putLE(bad, rowIdsAt + 4, getLE(bad, rowIdsAt, 4), 4);  // a row twice
  resealCrc(bad);
  expectRejected(bad, bad.size(), "rowIds repeat");
  bad = bytes;
  putLE(bad, kPermuteAt, 0, 1);  // rowIds present without permute
  resealCrc(bad);
  expectRejected(bad, bad.size(), "permute flag cleared");
  bad = bytes;
  putLE(bad, kP1At, 12, 4);  // banks not a power of two
  resealCrc(bad);
  expectRejected(bad, bad.size(), "banks 12");
}

TEST(mutations_with_resealed_crc_never_crash) {
  // Random multi-byte mutations that pass the checksum: either rejected as Corrupt, or accepted as a
  // matrix that validates and converts to dense without reading out of bounds. (A mutated shape can be
  // valid yet huge, e.g. a channel matrix with more rows: only small ones are expanded.)
  std::mt19937 gen(11);
  for (const Pattern& p : allPatterns()) {
    const std::vector<uint8_t> bytes = serialize(packFor(p, 9, 40, DType::F16));
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<uint8_t> bad = bytes;
      int edits = 1 + static_cast<int>(gen() % 3);
      for (int e = 0; e < edits; ++e) bad[gen() % (bad.size() - 4)] = static_cast<uint8_t>(gen());
      resealCrc(bad);
      try {
        PackedMatrix m = deserialize(bad.data(), bad.size());
        if (uint64_t{m.rows} * m.cols > (1u << 22)) continue;
        std::vector<float> out(size_t(m.rows) * m.cols);
        toDense(m, out.data());
      } catch (const Error& e) {
        CHECK_MSG(e.code() == ErrorCode::Corrupt || e.code() == ErrorCode::Version,
                  patternToString(p) + ": " + e.what());
      } catch (const std::exception& e) {
        gstest::report(__FILE__, __LINE__, patternToString(p) + ": foreign exception " + e.what());
      }
    }
  }
}

TEST_MAIN()
