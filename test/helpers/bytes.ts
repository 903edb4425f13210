// Byte-level helpers for the serialization tests.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** IEEE CRC-32 (zlib, PNG): crc32('123456789') = 0xcbf43926. */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export interface CrcLayout {
  /** the CRC is a little-endian uint32 at [at, at+4) over bytes [0, at) */
  at: number;
}

/**
 * Where the serialized form keeps its CRC, if it is the common layout (trailing uint32 LE CRC32
 * of everything before it). null when the layout is something else (tests needing it then skip).
 */
export function detectTrailingCrc(bytes: Uint8Array): CrcLayout | null {
  if (bytes.length < 8) return null;
  const at = bytes.length - 4;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return dv.getUint32(at, true) === crc32(bytes.subarray(0, at)) ? { at } : null;
}

/** Recompute and store the trailing CRC (after an edit of the body). */
export function fixTrailingCrc(bytes: Uint8Array, layout: CrcLayout): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint32(layout.at, crc32(bytes.subarray(0, layout.at)), true);
}
