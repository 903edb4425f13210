// Sparsity patterns (docs/formats.md, Patterns). One struct for all kinds; fields unused by a kind stay 0.
#pragma once
#include <cstdint>
#include <string>

namespace gsparse {

enum class Kind : uint8_t { Dense = 0, Csr = 1, Block = 2, NM = 3, GS = 4, Channel = 5 };

struct Pattern {
  Kind kind = Kind::Dense;
  uint32_t blockRows = 0, blockCols = 0;  // block: R x C
  uint32_t n = 0, m = 0;                  // N:M
  uint32_t banks = 0, perRow = 0;         // GS: B lanes per pack, E elements per row per pack
  bool permute = false;                   // GS: rows regrouped, outputs scattered through rowIds

  uint32_t groupRows() const { return banks / perRow; }  // GS: R = B / E
};

// Throws ErrorCode::Range naming the bad field (banks power of two in 2..64, E | B, n <= m <= 16, ...).
void validatePattern(const Pattern& p);

// Canonical string form: "dense", "csr", "block:4x1", "2:4", "gs:16", "gs:16x4:permute", "channel".
std::string patternToString(const Pattern& p);

// Fraction of zeros the pattern forces regardless of the target (N:M: 1 - n/m); -1 when free.
double fixedSparsity(const Pattern& p);

}  // namespace gsparse
