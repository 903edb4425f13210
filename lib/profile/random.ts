// Seeded Gaussian weights, so a profile of the same shapes prunes the same matrices every run.

/** Stable 32-bit seed from a label (FNV-1a), so every layer gets its own weights. */
export function seedFrom(label: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** n standard-normal float32 values (Marsaglia polar method on an inlined mulberry32 stream). */
export function gaussian(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const scale = 1 / 2147483648; // signed 32-bit -> [-1, 1)
  let a = seed | 0;
  let i = 0;
  while (i < n) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = (t ^ (t >>> 14)) * scale;
    a = (a + 0x6d2b79f5) | 0;
    t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const v = (t ^ (t >>> 14)) * scale;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = u * f;
    if (i < n) out[i++] = v * f;
  }
  return out;
}
