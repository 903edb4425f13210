// Seeded inputs: the same command produces the same weights and activations on every machine.

/** mulberry32: small, fast, good enough for benchmark data. Returns floats in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n Gaussian samples N(0, std^2) (Box-Muller) from a seeded generator. */
export function gaussian(n: number, seed: number, std = 1): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(next(), 1e-12);
    const v = next();
    const r = std * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** A stable seed from a label, so each shape gets its own weights. */
export function seedOf(label: string): number {
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** W [rows, cols] -> Wt [cols, rows] (setup only, never timed). */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) t[c * rows + r] = w[base + c] as number;
  }
  return t;
}

/**
 * max |y - ref| / max |ref| over the given batch rows of Y = X · Wᵀ, with ref computed here in plain JS
 * from a dense W (setup/checking only). Returns the relative error.
 */
export function checkRows(
  wDense: Float32Array, rows: number, cols: number,
  x: Float32Array, y: Float32Array, batchRows: readonly number[],
): number {
  let maxErr = 0;
  let maxRef = 0;
  for (const b of batchRows) {
    const xo = b * cols;
    for (let r = 0; r < rows; r++) {
      const wo = r * cols;
      let acc = 0;
      for (let c = 0; c < cols; c++) acc += (wDense[wo + c] as number) * (x[xo + c] as number);
      const got = y[b * rows + r] as number;
      maxErr = Math.max(maxErr, Math.abs(got - acc));
      maxRef = Math.max(maxRef, Math.abs(acc));
    }
  }
  return maxRef === 0 ? maxErr : maxErr / maxRef;
}

/** max |a - b| / max |b| over all elements. */
export function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let maxErr = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    const bi = b[i] as number;
    maxErr = Math.max(maxErr, Math.abs((a[i] as number) - bi));
    maxRef = Math.max(maxRef, Math.abs(bi));
  }
  if (Number.isNaN(maxErr)) return Number.POSITIVE_INFINITY;
  return maxRef === 0 ? maxErr : maxErr / maxRef;
}
