// Tests of the test helpers themselves (reference math, fp16 rounding, invariant checkers), so a
// helper bug cannot make the real tests pass vacuously. Does not load gsparse.
import { describe, expect, it } from 'vitest';
import {
  erf, gelu, f16round, gaussian, matmulRef, mulberry32, randn, scaledErr, relErr,
} from './helpers/reference.js';
import { checkPruned, gsStats, gsPermuteRowPadding, checkCsr, checkNM, checkBlock, checkChannel } from './helpers/invariants.js';

describe('erf / gelu', () => {
  const known: [number, number][] = [
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [1.5, 0.9661051464753108],
    [2, 0.9953222650189527],
    [2.5, 0.9995930479825550],
    [3, 0.9999779095030014],
    [3.5, 0.9999992569016276],
    [4, 0.9999999845827421],
    [-0.5, -0.5204998778130465],
    [-2, -0.9953222650189527],
  ];
  it.each(known)('erf(%s)', (x, want) => {
    expect(Math.abs(erf(x) - want)).toBeLessThan(1e-14);
  });
  it('erf is odd, monotone and saturates', () => {
    let prev = -1;
    for (let x = -7; x <= 7; x += 0.01) {
      const v = erf(x);
      expect(v).toBeGreaterThanOrEqual(prev);
      expect(Math.abs(v + erf(-x))).toBeLessThan(1e-15);
      prev = v;
    }
    expect(erf(10)).toBe(1);
    expect(erf(Number.NaN)).toBeNaN();
  });
  it('continuity across the series / continued-fraction switch at 3', () => {
    expect(Math.abs(erf(3 - 1e-12) - erf(3 + 1e-12))).toBeLessThan(1e-14);
  });
  it('gelu known values', () => {
    // gelu(x) = x * Phi(x); Phi(1) = 0.8413447460685429, Phi(-1) = 0.15865525393145707
    expect(Math.abs(gelu(1) - 0.8413447460685429)).toBeLessThan(1e-15);
    expect(Math.abs(gelu(-1) + 0.15865525393145707)).toBeLessThan(1e-15);
    expect(Math.abs(gelu(2) - 2 * 0.9772498680518208)).toBeLessThan(1e-14);
    expect(gelu(0)).toBe(0);
    expect(gelu(Number.NaN)).toBeNaN();
  });
});

describe('f16round', () => {
  const cases: [number, number][] = [
    [0, 0],
    [1, 1],
    [-2, -2],
    [65504, 65504],
    [65519, 65504],
    [65520, Infinity], // tie between 65504 (odd mantissa) and 65536 -> even -> overflow
    [-70000, -Infinity],
    [1 + 2 ** -11, 1], // tie -> even (1)
    [1 + 3 * 2 ** -11, 1 + 2 ** -9], // tie -> even (mantissa 2)
    [1 + 2 ** -11 + 2 ** -20, 1 + 2 ** -10], // just above the tie
    [0.1, 0.0999755859375],
    [1 / 3, 0.333251953125],
    [2 ** -14, 2 ** -14], // smallest normal
    [2 ** -24, 2 ** -24], // smallest subnormal
    [2 ** -25, 0], // tie -> even (0)
    [3 * 2 ** -26, 2 ** -24],
    [3 * 2 ** -25, 2 ** -23], // 1.5 quanta -> tie -> even (2 quanta)
    [5 * 2 ** -25, 2 ** -23], // 2.5 quanta -> tie -> even (2 quanta)
    [2 ** -14 - 2 ** -25, 2 ** -14], // top subnormal tie rounds into the normal range
    [2047, 2047],
    [2049, 2048], // spacing 2 above 2048, tie -> even
    [2051, 2052],
  ];
  it.each(cases)('f16round(%s) = %s', (x, want) => {
    expect(f16round(x)).toBe(want);
  });
  it('NaN, signed zero, idempotence', () => {
    expect(f16round(Number.NaN)).toBeNaN();
    expect(Object.is(f16round(-0), -0)).toBe(true);
    const g = gaussian(5);
    for (let i = 0; i < 2000; i++) {
      const v = g() * 100;
      const h = f16round(v);
      expect(f16round(h)).toBe(h);
      // within half a unit in the last place of fp16 (relative 2^-11) for normal numbers
      expect(Math.abs(h - Math.fround(v))).toBeLessThanOrEqual(Math.abs(Math.fround(v)) * 2 ** -11 + 2 ** -25);
    }
  });
});

describe('random generators', () => {
  it('mulberry32 is deterministic and in [0,1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    let same = 0;
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      if (x === c()) same++;
    }
    expect(same).toBeLessThan(5);
  });
  it('gaussian has mean ~0 and variance ~1', () => {
    const v = randn(100000, 7);
    let s = 0;
    let s2 = 0;
    for (const x of v) {
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / v.length)).toBeLessThan(0.02);
    expect(Math.abs(s2 / v.length - 1)).toBeLessThan(0.02);
    expect(randn(10, 7)).toEqual(v.subarray(0, 10));
  });
});

describe('matmulRef / scaledErr', () => {
  it('small hand-computed product', () => {
    // W = [[1, 2, 0], [0, -1, 3]] (2x3), X = [[1, 1, 1], [2, 0, -1]] (2x3)
    const w = [1, 2, 0, 0, -1, 3];
    const x = [1, 1, 1, 2, 0, -1];
    const r = matmulRef(w, 2, 3, x, 2);
    expect(Array.from(r.y)).toEqual([3, 2, 2, -3]);
    expect(Array.from(r.scale)).toEqual([3, 4, 2, 3]);
    const rb = matmulRef(w, 2, 3, x, 2, [0.5, -4], 'relu');
    expect(Array.from(rb.y)).toEqual([3.5, 0, 2.5, 0]);
    const rg = matmulRef(w, 2, 3, x, 2, undefined, 'gelu');
    expect(rg.y[0]).toBeCloseTo(gelu(3), 15);
    expect(rg.y[3]).toBeCloseTo(gelu(-3), 15);
  });
  it('scaledErr catches a dropped term and NaN mismatches', () => {
    const rows = 8;
    const cols = 300;
    const w = randn(rows * cols, 1);
    const x = randn(cols, 2);
    const ref = matmulRef(w, rows, cols, x, 1);
    const y = Float32Array.from(ref.y);
    expect(scaledErr(y, ref).maxErr).toBeLessThan(1e-6);
    // drop one term of output 3
    const w2 = w.slice();
    w2[3 * cols + 17] = 0;
    const bad = matmulRef(w2, rows, cols, x, 1);
    expect(scaledErr(Float32Array.from(bad.y), ref).maxErr).toBeGreaterThan(1e-5);
    const yn = y.slice();
    yn[2] = Number.NaN;
    expect(scaledErr(yn, ref).maxErr).toBe(Infinity);
    expect(relErr(y, ref.y)).toBeLessThan(1e-6);
  });
});

describe('invariant checkers detect violations', () => {
  const rows = 16;
  const cols = 32;
  const w = randn(rows * cols, 11);

  it('csr: wrong top-k and altered values', () => {
    // keep exactly the 100 largest
    const idx = Array.from(w.keys()).sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]));
    const p = new Float32Array(w.length);
    for (const i of idx.slice(0, 100)) p[i] = w[i];
    expect(checkCsr(w, p, rows, cols)).toEqual([]);
    const q = p.slice();
    q[idx[0]] = 0;
    q[idx[200]] = w[idx[200]];
    expect(checkCsr(w, q, rows, cols).length).toBeGreaterThan(0);
    const s = p.slice();
    s[idx[1]] *= 1.5;
    expect(checkCsr(w, s, rows, cols).length).toBeGreaterThan(0);
  });

  it('N:M: 3 in a group of 4, and a small kept over a large dropped', () => {
    const p = new Float32Array(w.length);
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < cols; g += 4) {
        const ids = [0, 1, 2, 3].map((k) => r * cols + g + k).sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]));
        p[ids[0]] = w[ids[0]];
        p[ids[1]] = w[ids[1]];
      }
    }
    expect(checkNM(w, p, rows, cols, 2, 4)).toEqual([]);
    const q = p.slice();
    for (let c = 0; c < 4; c++) q[c] = w[c];
    expect(checkNM(w, q, rows, cols, 2, 4).length).toBeGreaterThan(0);
    const s = p.slice();
    for (let c = 0; c < 4; c++) s[c] = 0;
    const small = [0, 1, 2, 3].sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]));
    s[small[0]] = w[small[0]];
    s[small[1]] = w[small[1]];
    expect(checkNM(w, s, rows, cols, 2, 4).length).toBeGreaterThan(0);
  });

  it('block: partly kept block', () => {
    const p = new Float32Array(w.length);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) p[r * cols + c] = w[r * cols + c];
    // ordering may fail (block 0 need not be the largest) — only the structure matters here
    const structural = (l: string[]) => l.filter((m) => m.includes('partly'));
    expect(structural(checkBlock(w, p, rows, cols, 4, 4))).toEqual([]);
    p[1 * cols + 2] = 0;
    expect(structural(checkBlock(w, p, rows, cols, 4, 4)).length).toBe(1);
  });

  it('channel: partial row and wrong ranking', () => {
    const norms = Array.from({ length: rows }, (_, r) => {
      let s = 0;
      for (let c = 0; c < cols; c++) s += w[r * cols + c] ** 2;
      return s;
    });
    const order = Array.from(norms.keys()).sort((a, b) => norms[b] - norms[a]);
    const p = new Float32Array(w.length);
    for (const r of order.slice(0, 8)) for (let c = 0; c < cols; c++) p[r * cols + c] = w[r * cols + c];
    expect(checkChannel(w, p, rows, cols)).toEqual([]);
    const q = p.slice();
    q[order[0] * cols + 3] = 0;
    expect(checkChannel(w, q, rows, cols).length).toBeGreaterThan(0);
    const s = new Float32Array(w.length);
    for (const r of order.slice(8)) for (let c = 0; c < cols; c++) s[r * cols + c] = w[r * cols + c];
    expect(checkChannel(w, s, rows, cols).length).toBeGreaterThan(0);
  });

  it('GS: exact packs give zero padding, CSR-style pruning does not pass', () => {
    const R = 16;
    const C = 777;
    const R2 = 200;
    const big = randn(R2 * C, 12);
    // exact vertical GS (banks 16, perRow 1): row i of a group takes bank (i + k) % 16 in pack k
    const gsP = new Float32Array(big.length);
    const P = 40;
    for (let g0 = 0; g0 < R2; g0 += R) {
      for (let i = 0; i < R && g0 + i < R2; i++) {
        for (let k = 0; k < P; k++) {
          const c = 16 * Math.floor(k / 16) + ((i + k) % 16);
          gsP[(g0 + i) * C + c] = big[(g0 + i) * C + c];
        }
      }
    }
    const st = gsStats(gsP, R2, C, 16, 1);
    expect(st.padding).toBe(0);
    expect(st.maxRowSpread).toBe(0);
    expect(checkPruned(big, gsP, R2, C, { kind: 'gs', banks: 16, perRow: 1 }, { gsMaxPadding: 0.03 })).toEqual([]);
    // unstructured top-k at 90% sparsity
    const k = Math.round(big.length * 0.1);
    const mags = Float32Array.from(big, Math.abs).sort();
    const thr = mags[big.length - k];
    const csrP = big.map((v) => (Math.abs(v) >= thr ? v : 0));
    const bad = checkPruned(big, csrP, R2, C, { kind: 'gs', banks: 16, perRow: 1 }, { gsMaxPadding: 0.03 });
    expect(bad.length).toBeGreaterThan(0);
    // and with groups of a single row (gs:16x16) the bank balance inside a row is required
    const bad2 = checkPruned(big, csrP, R2, C, { kind: 'gs', banks: 16, perRow: 16 }, { gsMaxPadding: 0.03 });
    expect(bad2.length).toBeGreaterThan(0);
    // permute: a matrix whose rows have wildly different counts has large row-side padding
    const uneven = new Float32Array(big.length);
    for (let r = 0; r < R2; r++) for (let c = 0; c < (r * 37) % C; c++) uneven[r * C + c] = big[r * C + c];
    expect(gsPermuteRowPadding(uneven, R2, C, 16, 1)).toBeGreaterThan(0.03);
    expect(gsPermuteRowPadding(gsP, R2, C, 16, 1)).toBe(0);
  });
});
