// Pattern checks and canonical names (docs/formats.md, Patterns).
#include "gsparse/pattern.h"

#include <string>

#include "gsparse/errors.h"

namespace gsparse {

namespace {
bool isPowerOfTwo(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }
std::string got(uint32_t v) { return ", got " + std::to_string(v); }
}  // namespace

void validatePattern(const Pattern& p) {
  switch (p.kind) {
    case Kind::Dense:
    case Kind::Csr:
    case Kind::Channel:
      return;
    case Kind::Block:
      require(p.blockRows >= 1 && p.blockRows <= 256, "pattern.rows: expected a block height in 1..256" + got(p.blockRows));
      require(p.blockCols >= 1 && p.blockCols <= 256, "pattern.cols: expected a block width in 1..256" + got(p.blockCols));
      return;
    case Kind::NM:
      require(p.m >= 1 && p.m <= 16, "pattern.m: expected 1 <= m <= 16" + got(p.m));
      require(p.n >= 1 && p.n <= p.m, "pattern.n: expected 1 <= n <= m (" + std::to_string(p.m) + ")" + got(p.n));
      return;
    case Kind::GS:
      require(p.banks >= 2 && p.banks <= 64 && isPowerOfTwo(p.banks),
              "pattern.banks: expected a power of two in 2..64" + got(p.banks));
      require(p.perRow >= 1 && p.perRow <= p.banks && p.banks % p.perRow == 0,
              "pattern.perRow: expected a divisor of banks (" + std::to_string(p.banks) + ")" + got(p.perRow));
      return;
  }
  fail(ErrorCode::Range, "pattern.kind: expected dense, csr, block, nm, gs or channel, got " +
                             std::to_string(static_cast<int>(p.kind)));
}

std::string patternToString(const Pattern& p) {
  switch (p.kind) {
    case Kind::Dense: return "dense";
    case Kind::Csr: return "csr";
    case Kind::Channel: return "channel";
    case Kind::Block: return "block:" + std::to_string(p.blockRows) + "x" + std::to_string(p.blockCols);
    case Kind::NM: return std::to_string(p.n) + ":" + std::to_string(p.m);
    case Kind::GS: {
      std::string s = "gs:" + std::to_string(p.banks);
      if (p.perRow != 1) s += "x" + std::to_string(p.perRow);
      if (p.permute) s += ":permute";
      return s;
    }
  }
  return "unknown";
}

double fixedSparsity(const Pattern& p) {
  return p.kind == Kind::NM ? 1.0 - static_cast<double>(p.n) / p.m : -1.0;
}

}  // namespace gsparse
