import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { GsparseError, pack, type SparseMatrix } from '../lib/index.js';
import { matmulRef, randn, scaledErr } from './helpers/reference.js';
import { errCode, seedOf, weightsFor } from './helpers/util.js';

const TOL = 1e-5;

/** A way to force a full GC: global.gc when exposed, else the v8 flag + vm trick. */
function getGc(): ((...a: unknown[]) => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    const f = vm.runInNewContext('gc') as unknown;
    if (typeof f === 'function') return f as () => void;
  } catch {
    // fall through
  }
  return null;
}
const gc = getGc();

describe('concurrency', () => {
  it('64 concurrent matmulAsync calls on several matrices are all correct', async () => {
    const specs = [
      { pattern: 'gs:16', rows: 96, cols: 200, sparsity: 0.8 },
      { pattern: 'csr', rows: 64, cols: 150, sparsity: 0.7 },
      { pattern: '2:4', rows: 50, cols: 128, sparsity: 0.5 },
      { pattern: 'dense', rows: 40, cols: 90 },
      { pattern: 'gs:16x4:permute', rows: 77, cols: 100, sparsity: 0.9 },
      { pattern: 'block:4x4', rows: 64, cols: 64, sparsity: 0.75 },
    ];
    const mats = specs.map((s) => {
      const w = weightsFor(s.rows, s.cols, 'conc', s.pattern);
      const sm = pack(w, [s.rows, s.cols], s.sparsity === undefined ? { pattern: s.pattern } : { pattern: s.pattern, sparsity: s.sparsity, dtype: s.rows % 2 ? 'f16' : 'f32' });
      return { sm, dense: sm.toDense(), ...s };
    });
    const calls = Array.from({ length: 64 }, (_, i) => {
      const m = mats[i % mats.length];
      const batch = 1 + (i % 7);
      const x = randn(batch * m.cols, seedOf('cx', i));
      const bias = i % 2 ? randn(m.rows, i) : undefined;
      const activation = (['none', 'relu', 'gelu'] as const)[i % 3];
      return { m, batch, x, bias, activation, p: m.sm.matmulAsync(x, batch, { bias, activation }) };
    });
    const results = await Promise.all(calls.map((c) => c.p));
    results.forEach((y, i) => {
      const c = calls[i];
      const ref = matmulRef(c.m.dense, c.m.rows, c.m.cols, c.x, c.batch, c.bias, c.activation);
      expect(scaledErr(y, ref).maxErr, `call ${i} (${c.m.pattern})`).toBeLessThanOrEqual(TOL);
    });
    // results are distinct arrays
    expect(new Set(results).size).toBe(64);
    for (const m of mats) m.sm.dispose();
  });

  it('sync and async calls interleaved on the same matrix agree', async () => {
    const rows = 128;
    const cols = 256;
    const sm = pack(weightsFor(rows, cols, 'interleave'), [rows, cols], { pattern: 'gs:16', sparsity: 0.75 });
    const dense = sm.toDense();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 16; i++) {
      const x = randn(4 * cols, seedOf('il', i));
      const ref = matmulRef(dense, rows, cols, x, 4);
      pending.push(sm.matmulAsync(x, 4).then((y) => void expect(scaledErr(y, ref).maxErr).toBeLessThanOrEqual(TOL)));
      expect(scaledErr(sm.matmul(x, 4), ref).maxErr).toBeLessThanOrEqual(TOL);
    }
    await Promise.all(pending);
    sm.dispose();
  });
});

describe('lifetime', () => {
  it.skipIf(!gc)('matmulAsync keeps x, bias, out and the matrix alive after JS drops them  [needs a gc() hook]', async () => {
    const rows = 512;
    const cols = 1024;
    const batch = 16;
    const w = weightsFor(rows, cols, 'alive');
    // expected values computed up front from a separate copy of the matrix
    const keep = pack(w, [rows, cols], { pattern: 'csr', sparsity: 0.5 });
    const dense = keep.toDense();
    keep.dispose();
    const xSeed = seedOf('alive-x');
    const x0 = randn(batch * cols, xSeed);
    const bias0 = randn(rows, 8);
    const ref = matmulRef(dense, rows, cols, x0, batch, bias0, 'gelu');

    const results: Promise<Float32Array>[] = [];
    // start several calls from a scope whose locals die immediately
    (() => {
      for (let k = 0; k < 4; k++) {
        let sm: SparseMatrix | null = pack(w, [rows, cols], { pattern: 'csr', sparsity: 0.5 });
        let x: Float32Array | null = randn(batch * cols, xSeed);
        let bias: Float32Array | null = bias0.slice();
        results.push(sm.matmulAsync(x, batch, { bias, activation: 'gelu', out: k % 2 ? new Float32Array(batch * rows) : undefined }));
        sm = null;
        x = null;
        bias = null;
      }
    })();
    // churn the heap and collect hard while the calls are in flight
    for (let i = 0; i < 5; i++) {
      const junk: Float32Array[] = [];
      for (let j = 0; j < 50; j++) junk.push(new Float32Array(64 * 1024).fill(j));
      gc!();
      await new Promise((r) => setImmediate(r));
    }
    const ys = await Promise.all(results);
    for (const y of ys) expect(scaledErr(y, ref).maxErr).toBeLessThanOrEqual(TOL);
  });

  it('dispose() while matmulAsync is pending: completes correctly or rejects E_DISPOSED, never wrong numbers', async () => {
    const rows = 1024;
    const cols = 1024;
    const batch = 32;
    const w = weightsFor(rows, cols, 'dispose-pending');
    const x = randn(batch * cols, 5);
    const outcomes: string[] = [];
    for (const [pattern, delay] of [
      ['dense', 0],
      ['gs:16', 0],
      ['csr', 0],
      ['gs:16', 1],
      ['dense', 2],
    ] as const) {
      const sm = pack(w, [rows, cols], pattern === 'dense' ? { pattern } : { pattern, sparsity: 0.5 });
      const r = matmulRef(sm.toDense(), rows, cols, x, batch);
      const p = sm.matmulAsync(x, batch);
      if (delay > 0) await new Promise((res) => setTimeout(res, delay));
      sm.dispose();
      try {
        const y = await p;
        expect(scaledErr(y, r).maxErr, `${pattern}: completed with wrong numbers`).toBeLessThanOrEqual(TOL);
        outcomes.push('completed');
      } catch (e) {
        expect(e, `${pattern}: rejected with ${String(e)}`).toBeInstanceOf(GsparseError);
        expect(errCode(e)).toBe('E_DISPOSED');
        outcomes.push('E_DISPOSED');
      }
    }
    expect(outcomes.length).toBe(5);
  });

  it('dispose() immediately after starting many small async calls', async () => {
    const sm = pack(weightsFor(64, 64, 'dispose-many'), [64, 64], { pattern: 'gs:16', sparsity: 0.5 });
    const dense = sm.toDense();
    const x = randn(64, 9);
    const ref = matmulRef(dense, 64, 64, x, 1);
    const ps = Array.from({ length: 32 }, () => sm.matmulAsync(x, 1));
    sm.dispose();
    const settled = await Promise.allSettled(ps);
    for (const s of settled) {
      if (s.status === 'fulfilled') expect(scaledErr(s.value, ref).maxErr).toBeLessThanOrEqual(TOL);
      else expect(errCode(s.reason)).toBe('E_DISPOSED');
    }
  });
});

describe('event loop', () => {
  it('keeps ticking while a large matmulAsync runs (2048x2048 dense, batch 64)', async () => {
    const n = 2048;
    const batch = 64;
    const w = randn(n * n, 2048);
    const sm = pack(w, [n, n], { pattern: 'dense' });
    const x = randn(batch * n, 64);
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    const t0 = performance.now();
    const p = sm.matmulAsync(x, batch);
    setImmediate(tick);
    const y = await p;
    running = false;
    const ms = performance.now() - t0;
    expect(ticks, `only ${ticks} event-loop ticks during a ${ms.toFixed(0)} ms call`).toBeGreaterThan(0);
    // spot-check a few outputs against float64
    for (const [b, r] of [[0, 0], [17, 1000], [63, 2047], [40, 5]]) {
      let s = 0;
      let a = 0;
      for (let c = 0; c < n; c++) {
        const t = x[b * n + c] * w[r * n + c];
        s += t;
        a += Math.abs(t);
      }
      expect(Math.abs(y[b * n + r] - s)).toBeLessThanOrEqual(TOL * a);
    }
    sm.dispose();
  });
});
