// Plain float64 reference implementations used by the tests. Nothing here calls gsparse.
//
// Error measure (used with a tolerance of 1e-5 throughout the suite):
//   for every output element i = (b, r) the pre-activation value is s = sum_c x[b,c] * w[r,c] + bias[r].
//   scale_i = sum_c |x[b,c] * w[r,c]| + |bias[r]|   (the magnitude of the terms that were summed)
//   err_i   = |y_i - ref_i| / (actSlope * scale_i)   (0/0 counts as 0; NaN handling: see scaledErr)
// where actSlope = 1 for none/relu and 1.13 for gelu (max |gelu'| = 1.1289..., so an error d in s
// moves gelu(s) by at most 1.13 d). fp32 accumulation of K terms has an error of about
// sqrt(K) * 6e-8 * scale_i typically (K * 6e-8 * scale_i worst case), i.e. ~2e-6 for K = 1000, so
// 1e-5 passes a correct fp32 kernel while anything structurally wrong (a dropped or duplicated term
// is ~scale_i / K ~ 1e-3, an fp16 rounding of x is ~5e-4, a tanh-approximated gelu ~1e-4..1e-3) fails.

/** mulberry32: a small, good-enough 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded standard-normal generator (Box-Muller on mulberry32). */
export function gaussian(seed: number): () => number {
  const u = mulberry32(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u1 = u();
    while (u1 <= 0) u1 = u();
    const u2 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/** n seeded N(0, std^2) values as a Float32Array. */
export function randn(n: number, seed: number, std = 1): Float32Array {
  const g = gaussian(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g() * std;
  return out;
}

/** n seeded uniform values in [lo, hi) as a Float32Array. */
export function randu(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const u = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * u();
  return out;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erf(x) to ~1e-15 absolute.
 * |x| < 3: erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_{n>=0} (2x^2)^n x / (1*3*...*(2n+1))
 *          (all terms positive: no cancellation).
 * |x| >= 3: erfc(x) by its continued fraction (Lentz), erf = 1 - erfc.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (x === 0) return 0;
  if (x < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (x > 6) return 1; // erfc(6) = 2.2e-17
  return 1 - erfcContinuedFraction(x);
}

// erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), x > 0.
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  // modified Lentz for f = x + a1/(x + a2/(x + ...)), a_k = k/2
  let f = x;
  let C = f;
  let D = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    D = x + a * D;
    if (Math.abs(D) < tiny) D = tiny;
    C = x + a / C;
    if (Math.abs(C) < tiny) C = tiny;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export function relu(x: number): number {
  // NaN stays NaN (x > 0 is false for NaN, so test for it explicitly)
  return Number.isNaN(x) ? NaN : x > 0 ? x : 0;
}

export type Activation = 'none' | 'relu' | 'gelu';

export interface RefResult {
  /** Y = X W^T (+ bias, activation), [batch, rows], float64 */
  y: Float64Array;
  /** per-element magnitude of the summed terms (see the header) */
  scale: Float64Array;
  activation: Activation;
}

/** Dense float64 reference of sparse.matmul: Y[b, r] = act(sum_c X[b, c] W[r, c] + bias[r]). */
export function matmulRef(
  w: ArrayLike<number>,
  rows: number,
  cols: number,
  x: ArrayLike<number>,
  batch: number,
  bias?: ArrayLike<number>,
  activation: Activation = 'none',
): RefResult {
  if (w.length !== rows * cols) throw new Error(`matmulRef: w.length ${w.length} != ${rows}*${cols}`);
  if (x.length !== batch * cols) throw new Error(`matmulRef: x.length ${x.length} != ${batch}*${cols}`);
  const y = new Float64Array(batch * rows);
  const scale = new Float64Array(batch * rows);
  const w64 = Float64Array.from(w);
  const x64 = Float64Array.from(x);
  for (let b = 0; b < batch; b++) {
    const xo = b * cols;
    for (let r = 0; r < rows; r++) {
      const wo = r * cols;
      let s = 0;
      let a = 0;
      for (let c = 0; c < cols; c++) {
        const wv = w64[wo + c];
        if (wv === 0) continue; // a zero weight contributes nothing (NaN handling: see matmul.test)
        const t = x64[xo + c] * wv;
        s += t;
        a += Math.abs(t);
      }
      if (bias) {
        s += bias[r];
        a += Math.abs(bias[r]);
      }
      y[b * rows + r] = activation === 'relu' ? relu(s) : activation === 'gelu' ? gelu(s) : s;
      scale[b * rows + r] = a;
    }
  }
  return { y, scale, activation };
}

export interface ErrReport {
  /** max over elements of err_i (see header); Infinity for a NaN/non-NaN mismatch */
  maxErr: number;
  /** index of the worst element, -1 if none */
  worst: number;
  got: number;
  want: number;
}

/**
 * Max scaled error of y against a reference (see the header for the definition).
 * A NaN in y where ref is not NaN (or the other way round) is an error of Infinity.
 */
export function scaledErr(y: ArrayLike<number>, ref: RefResult): ErrReport {
  if (y.length !== ref.y.length) throw new Error(`scaledErr: length ${y.length} != ${ref.y.length}`);
  const slope = ref.activation === 'gelu' ? 1.13 : 1;
  let maxErr = 0;
  let worst = -1;
  for (let i = 0; i < y.length; i++) {
    const got = y[i];
    const want = ref.y[i];
    let e: number;
    if (Number.isNaN(want) || Number.isNaN(got)) {
      e = Number.isNaN(want) && Number.isNaN(got) ? 0 : Infinity;
    } else {
      const d = Math.abs(got - want);
      e = d === 0 ? 0 : d / Math.max(slope * ref.scale[i], 1e-30);
    }
    if (e > maxErr || worst < 0) {
      maxErr = Math.max(maxErr, e);
      worst = i;
    }
  }
  return { maxErr, worst, got: worst >= 0 ? y[worst] : NaN, want: worst >= 0 ? ref.y[worst] : NaN };
}

/** Plain max_i |y_i - ref_i| / max_i |ref_i| (informational; scaledErr is what the tests assert). */
export function relErr(y: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs(y[i] - ref[i]));
    den = Math.max(den, Math.abs(ref[i]));
  }
  return num / Math.max(den, 1e-30);
}

// ---------------------------------------------------------------------------------------------
// fp16

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Round a number (taken as fp32 first) to IEEE binary16 with round-to-nearest-even and return it
 * as a number: what an fp16 storage of the value reads back as. Overflow -> +-Infinity,
 * subnormals handled, NaN stays NaN, signed zero kept.
 */
export function f16round(value: number): number {
  const v = Math.fround(value);
  if (Number.isNaN(v)) return NaN;
  if (!Number.isFinite(v)) return v;
  const sign = v < 0 || Object.is(v, -0) ? -1 : 1;
  const a = Math.abs(v);
  if (a === 0) return sign * 0;
  // largest half is 65504 = (2 - 2^-10) * 2^15; the midpoint to 2^16 (65520) ties to even -> overflow
  if (a >= 65520) return sign * Infinity;
  let quantum: number;
  if (a < 2 ** -14) {
    quantum = 2 ** -24; // subnormal spacing
  } else {
    let e = Math.floor(Math.log2(a));
    // guard against log2 rounding at binade edges
    if (2 ** e > a) e -= 1;
    else if (2 ** (e + 1) <= a) e += 1;
    quantum = 2 ** (e - 10);
  }
  const r = roundHalfEven(a / quantum) * quantum; // a / quantum is exact (power of two)
  return sign * r;
}

/** Elementwise f16round into a new Float32Array. */
export function f16roundArray(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f16round(a[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// small utilities

export function countNonzeros(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

/** Index of the first element where a and b differ (NaN == NaN, +0 == -0), or -1. */
export function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  }
  return -1;
}

/** Human-readable description of the first difference, or null when equal. */
export function describeDiff(a: ArrayLike<number>, b: ArrayLike<number>, cols?: number): string | null {
  if (a.length !== b.length) return `length ${a.length} != ${b.length}`;
  const i = firstDiff(a, b);
  if (i < 0) return null;
  let count = 0;
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j] && !(Number.isNaN(a[j]) && Number.isNaN(b[j]))) count++;
  const where = cols ? ` (row ${Math.floor(i / cols)}, col ${i % cols})` : '';
  return `${count} differing elements; first at ${i}${where}: ${a[i]} vs ${b[i]}`;
}
