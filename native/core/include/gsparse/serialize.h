// Self-describing binary form of a PackedMatrix: magic "GSPM", version, flags, header, the nested
// levels when there are some, arrays, CRC32 (docs/formats.md, Serialization).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gsparse/packed_matrix.h"

namespace gsparse {

constexpr uint16_t kSerializeVersion = 1;

std::vector<uint8_t> serialize(const PackedMatrix& m);
// Corrupt on truncated, altered or foreign bytes, Version on a newer version; the result is validated
// (nested levels included).
PackedMatrix deserialize(const uint8_t* data, std::size_t size);

uint32_t crc32(const uint8_t* data, std::size_t size, uint32_t crc = 0);

}  // namespace gsparse
