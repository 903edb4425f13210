// Binary form of a PackedMatrix (serialize.h; docs/formats.md, Serialization). Little-endian layout:
//   "GSPM" | u16 version | u16 flags | u8 kind | u8 dtype | u8 index width | u8 permute |
//   u32 p1 | u32 p2 (block R,C / n,m / banks,perRow; 0 otherwise) | u32 rows | u32 cols |
//   u64 counts of values, indices, ptr, rowIds |
//   [flags bit 0, nested levels: u32 level count L | u32 reserved (0) | u64 count of levelEnds |
//    L f64 levelSparsity] |
//   the arrays, raw: values, indices, ptr, rowIds[, levelEnds] | u32 CRC32 of all the above.
// flags was a reserved 0 before nested levels: a plain matrix still writes 0, byte for byte as then.
// The CRC is the last 4 bytes in every version, so it is checked before the version is trusted.
#include "gsparse/serialize.h"

#include <array>
#include <cstring>
#include <string>

#include "formats_internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "serialize.cc copies arrays raw and assumes a little-endian host"
#endif

namespace gsparse {

namespace {

constexpr std::size_t kHeaderBytes = 60;
constexpr std::size_t kLevelHeaderBytes = 16;
constexpr uint16_t kFlagLevels = 1;  // a level section follows the header
constexpr std::size_t kCrcBytes = 4;
constexpr char kMagic[4] = {'G', 'S', 'P', 'M'};

constexpr std::array<uint32_t, 256> makeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = makeCrcTable();

// ---- little-endian encoding ----------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  template <class T>
  void put(T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) out_.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
  }
  void raw(const void* data, std::size_t bytes) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), p, p + bytes);
  }

 private:
  std::vector<uint8_t>& out_;
};

// Reads a byte range whose length the caller has already checked.
class Reader {
 public:
  explicit Reader(const uint8_t* data) : p_(data) {}
  template <class T>
  T get() {
    uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += sizeof(T);
    return static_cast<T>(v);
  }
  void raw(void* dst, std::size_t bytes) {
    if (bytes != 0) std::memcpy(dst, p_, bytes);
    p_ += bytes;
  }

 private:
  const uint8_t* p_;
};

// ---- pattern parameters --------------------------------------------------------------------------

struct PatternParams {
  uint32_t p1 = 0, p2 = 0;
};

PatternParams paramsOf(const Pattern& p) {
  switch (p.kind) {
    case Kind::Block: return {p.blockRows, p.blockCols};
    case Kind::NM: return {p.n, p.m};
    case Kind::GS: return {p.banks, p.perRow};
    default: return {};
  }
}

// The pattern a header describes; Corrupt when a field is set that the kind does not use.
Pattern patternFrom(uint8_t kind, PatternParams params, uint8_t permute) {
  requireValid(kind <= static_cast<uint8_t>(Kind::Channel), "header: unknown pattern kind " + std::to_string(kind));
  Pattern p;
  p.kind = static_cast<Kind>(kind);
  switch (p.kind) {
    case Kind::Block: p.blockRows = params.p1, p.blockCols = params.p2; break;
    case Kind::NM: p.n = params.p1, p.m = params.p2; break;
    case Kind::GS: p.banks = params.p1, p.perRow = params.p2, p.permute = permute == 1; break;
    default: requireValid(params.p1 == 0 && params.p2 == 0, "header: pattern parameters set for " + patternToString(p));
  }
  requireValid(permute == 0 || (permute == 1 && p.kind == Kind::GS), "header: bad permute flag " + std::to_string(permute));
  return p;
}

// ---- array sizes ---------------------------------------------------------------------------------

struct ArrayCounts {
  uint64_t values, indices, ptr, rowIds, levelSparsity = 0, levelEnds = 0;
};

// Bytes the arrays take; Corrupt unless they fill `payload` exactly. Each count is bounded by the
// payload before multiplying, so a huge count can neither overflow nor lead to a huge allocation.
void requireArraysFit(const ArrayCounts& n, unsigned valueBytes, unsigned indexBytes, uint64_t payload) {
  const std::pair<uint64_t, unsigned> arrays[] = {{n.values, valueBytes}, {n.indices, indexBytes}, {n.ptr, 4},
                                                  {n.rowIds, 4},          {n.levelSparsity, 8},     {n.levelEnds, 4}};
  uint64_t total = 0;
  for (const auto& a : arrays) {
    requireValid(a.first <= payload / a.second, "header: array of " + std::to_string(a.first) +
                                                    " entries does not fit in the " + std::to_string(payload) +
                                                    " bytes that follow");
    total += a.first * a.second;  // six terms, each <= payload (a size in memory, < 2^60): no overflow
  }
  requireValid(total == payload, "header: arrays take " + std::to_string(total) + " bytes, but " +
                                     std::to_string(payload) + " follow");
}

}  // namespace

uint32_t crc32(const uint8_t* data, std::size_t size, uint32_t crc) {
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = kCrcTable[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
  return ~crc;
}

std::vector<uint8_t> serialize(const PackedMatrix& m) {
  const bool nested = !m.levelSparsity.empty();
  std::vector<uint8_t> out;
  out.reserve(kHeaderBytes + (nested ? kLevelHeaderBytes + 8 * m.levelSparsity.size() : 0) + m.byteSize() + kCrcBytes);
  Writer w(out);
  w.raw(kMagic, sizeof kMagic);
  w.put<uint16_t>(kSerializeVersion);
  w.put<uint16_t>(nested ? kFlagLevels : 0);
  const PatternParams params = paramsOf(m.pattern);
  w.put<uint8_t>(static_cast<uint8_t>(m.pattern.kind));
  w.put<uint8_t>(static_cast<uint8_t>(m.dtype()));
  w.put<uint8_t>(static_cast<uint8_t>(m.indices.width()));
  w.put<uint8_t>(m.pattern.kind == Kind::GS && m.pattern.permute ? 1 : 0);
  w.put<uint32_t>(params.p1);
  w.put<uint32_t>(params.p2);
  w.put<uint32_t>(m.rows);
  w.put<uint32_t>(m.cols);
  w.put<uint64_t>(m.values.size());
  w.put<uint64_t>(m.indices.size());
  w.put<uint64_t>(m.ptr.size());
  w.put<uint64_t>(m.rowIds.size());
  if (nested) {
    w.put<uint32_t>(static_cast<uint32_t>(m.levelSparsity.size()));
    w.put<uint32_t>(0);
    w.put<uint64_t>(m.levelEnds.size());
    for (double s : m.levelSparsity) {
      uint64_t bits;
      std::memcpy(&bits, &s, sizeof bits);
      w.put<uint64_t>(bits);
    }
  }
  w.raw(m.values.rawData(), m.values.byteSize());
  w.raw(m.indices.rawData(), m.indices.byteSize());
  w.raw(m.ptr.data(), 4 * m.ptr.size());
  w.raw(m.rowIds.data(), 4 * m.rowIds.size());
  if (nested) w.raw(m.levelEnds.data(), 4 * m.levelEnds.size());
  w.put<uint32_t>(crc32(out.data(), out.size()));
  return out;
}

PackedMatrix deserialize(const uint8_t* data, std::size_t size) {
  requireValid(data != nullptr && size >= kHeaderBytes + kCrcBytes,
               "truncated: expected at least " + std::to_string(kHeaderBytes + kCrcBytes) + " bytes, got " +
                   std::to_string(size));
  requireValid(std::memcmp(data, kMagic, sizeof kMagic) == 0, "not a gsparse matrix (bad magic)");
  const std::size_t body = size - kCrcBytes;
  requireValid(Reader(data + body).get<uint32_t>() == crc32(data, body), "checksum mismatch (truncated or altered)");

  Reader r(data + sizeof kMagic);
  const uint16_t version = r.get<uint16_t>();
  if (version != kSerializeVersion) {
    fail(ErrorCode::Version, "unsupported serialization version " + std::to_string(version) + " (this build reads " +
                                 std::to_string(kSerializeVersion) + ")");
  }
  const uint16_t flags = r.get<uint16_t>();
  requireValid((flags & ~kFlagLevels) == 0, "header: unknown flags " + std::to_string(flags));
  const uint8_t kind = r.get<uint8_t>(), dtype = r.get<uint8_t>(), width = r.get<uint8_t>(), permute = r.get<uint8_t>();
  PatternParams params;
  params.p1 = r.get<uint32_t>();
  params.p2 = r.get<uint32_t>();
  requireValid(dtype <= static_cast<uint8_t>(DType::F16), "header: unknown dtype " + std::to_string(dtype));
  requireValid(width == 1 || width == 2 || width == 4, "header: bad index width " + std::to_string(width));

  PackedMatrix m;
  m.pattern = patternFrom(kind, params, permute);
  m.rows = r.get<uint32_t>();
  m.cols = r.get<uint32_t>();
  ArrayCounts n;
  n.values = r.get<uint64_t>();
  n.indices = r.get<uint64_t>();
  n.ptr = r.get<uint64_t>();
  n.rowIds = r.get<uint64_t>();
  uint64_t payload = body - kHeaderBytes;
  if (flags & kFlagLevels) {
    requireValid(payload >= kLevelHeaderBytes, "truncated: expected a level header of " +
                                                   std::to_string(kLevelHeaderBytes) + " bytes, got " + std::to_string(payload));
    payload -= kLevelHeaderBytes;
    n.levelSparsity = r.get<uint32_t>();
    requireValid(r.get<uint32_t>() == 0, "level header: reserved field is not 0");
    n.levelEnds = r.get<uint64_t>();
    requireValid(n.levelSparsity >= 2 && n.levelSparsity <= PackedMatrix::kMaxLevels,
                 "level header: expected 2 to " + std::to_string(PackedMatrix::kMaxLevels) + " levels, got " +
                     std::to_string(n.levelSparsity));
  }
  const DType type = static_cast<DType>(dtype);
  requireArraysFit(n, type == DType::F32 ? 4 : 2, width, payload);

  m.levelSparsity.resize(n.levelSparsity);
  for (double& s : m.levelSparsity) {
    const uint64_t bits = r.get<uint64_t>();
    std::memcpy(&s, &bits, sizeof s);
  }
  m.values.reset(type, n.values);
  r.raw(m.values.rawData(), m.values.byteSize());
  m.indices.reset(width, n.indices);
  r.raw(m.indices.rawData(), m.indices.byteSize());
  m.ptr.resize(n.ptr);
  r.raw(m.ptr.data(), 4 * m.ptr.size());
  m.rowIds.resize(n.rowIds);
  r.raw(m.rowIds.data(), 4 * m.rowIds.size());
  m.levelEnds.resize(n.levelEnds);
  r.raw(m.levelEnds.data(), 4 * m.levelEnds.size());
  validate(m);
  return m;
}

}  // namespace gsparse
