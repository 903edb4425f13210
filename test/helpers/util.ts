// Small shared helpers for the API tests.
import { mulberry32, randn } from './reference.js';

/** Stable 32-bit seed from any label (FNV-1a). */
export function seedOf(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const s = parts.join('|');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Gaussian weights for a labelled case. */
export function weightsFor(rows: number, cols: number, ...label: (string | number)[]): Float32Array {
  return randn(rows * cols, seedOf('w', rows, cols, ...label));
}

/**
 * A plain random matrix with random zeros whose rows have very different nonzero counts
 * (row r keeps each element with probability between 5% and 95%), ~50% zeros overall.
 */
export function unevenRandomZeros(rows: number, cols: number, seed: number): Float32Array {
  const w = randn(rows * cols, seed);
  const u = mulberry32(seed ^ 0x5bd1e995);
  for (let r = 0; r < rows; r++) {
    const keep = 0.05 + 0.9 * (((r * 7919) % rows) / Math.max(1, rows - 1));
    for (let c = 0; c < cols; c++) if (u() >= keep) w[r * cols + c] = 0;
  }
  return w;
}

/** Run fn, return what it threw (or undefined). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Await p, return its rejection reason (or undefined when it resolved). */
export async function rejected(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

export function errCode(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}
