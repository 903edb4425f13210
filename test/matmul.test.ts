import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparseMatrix, pack } from '../lib/index.js';
import { PATTERN_CASES } from './helpers/patterns.js';
import { describeDiff, matmulRef, randn, scaledErr, type Activation } from './helpers/reference.js';
import { seedOf, weightsFor } from './helpers/util.js';

const TOL = 1e-5; // see test/helpers/reference.ts for the error definition
const SHAPES: [number, number][] = [
  [16, 16],
  [37, 70],
  [200, 777],
];
const BATCHES = [1, 3, 33, 64]; // 3+: X^T tiles; 64: the row-blocked kernel's 4-tile pass
const EPILOGUES: { name: string; bias: boolean; activation?: Activation }[] = [
  { name: 'no bias', bias: false },
  { name: 'bias+relu', bias: true, activation: 'relu' },
  { name: 'bias+gelu', bias: true, activation: 'gelu' },
];
const DTYPES = ['f32', 'f16'] as const;

function sparsityFor(name: string): number | undefined {
  const c = PATTERN_CASES.find((p) => p.name === name)!;
  if (c.obj.kind === 'nm') return 1 - c.obj.n / c.obj.m;
  return c.obj.kind === 'dense' ? undefined : 0.75;
}

const COMBOS = PATTERN_CASES.flatMap((c) =>
  DTYPES.flatMap((dtype) => SHAPES.map(([rows, cols]) => [`${c.name} ${dtype} ${rows}x${cols}`, c.name, dtype, rows, cols] as const)),
);

describe.each(COMBOS)('%s', (_t, name, dtype, rows, cols) => {
  let sm: SparseMatrix;
  let dense: Float32Array;
  beforeAll(() => {
    const w = weightsFor(rows, cols, 'matmul', name);
    const s = sparsityFor(name);
    sm = pack(w, [rows, cols], s === undefined ? { pattern: name, dtype } : { pattern: name, sparsity: s, dtype });
    dense = sm.toDense();
  });
  afterAll(() => sm?.dispose());

  describe.each(BATCHES)('batch %i', (batch) => {
    it.each(EPILOGUES)('$name', ({ bias: withBias, activation }) => {
      const x = randn(batch * cols, seedOf('x', name, dtype, rows, cols, batch));
      const xCopy = x.slice();
      const bias = withBias ? randn(rows, seedOf('b', rows)) : undefined;
      const opts = withBias ? { bias, activation } : {};
      const y = sm.matmul(x, batch, opts);
      expect(y).toBeInstanceOf(Float32Array);
      expect(y.length).toBe(batch * rows);
      const ref = matmulRef(dense, rows, cols, x, batch, bias, activation ?? 'none');
      const e = scaledErr(y, ref);
      expect(e.maxErr, `worst element ${e.worst}: got ${e.got}, want ${e.want}`).toBeLessThanOrEqual(TOL);
      expect(describeDiff(x, xCopy)).toBeNull(); // input untouched
    });
  });

  it('out option: writes into the given array and returns it', () => {
    const batch = 3;
    const x = randn(batch * cols, seedOf('xo', name, dtype, rows));
    const bias = randn(rows, seedOf('bo', rows));
    const out = new Float32Array(batch * rows).fill(Number.NaN);
    const y = sm.matmul(x, batch, { bias, activation: 'relu', out });
    expect(y).toBe(out);
    const ref = matmulRef(dense, rows, cols, x, batch, bias, 'relu');
    expect(scaledErr(out, ref).maxErr).toBeLessThanOrEqual(TOL);
  });

  it('out option: a view into a larger buffer (byteOffset) is honoured', () => {
    const batch = 2;
    const x = randn(batch * cols, seedOf('xv', name, dtype, rows));
    const big = new Float32Array(batch * rows + 10).fill(-7);
    const out = big.subarray(5, 5 + batch * rows);
    const y = sm.matmul(x, batch, { out });
    expect(y).toBe(out);
    expect(scaledErr(out, matmulRef(dense, rows, cols, x, batch)).maxErr).toBeLessThanOrEqual(TOL);
    for (const i of [0, 1, 2, 3, 4, big.length - 5, big.length - 1]) expect(big[i]).toBe(-7);
  });

  it('x as a view into a larger buffer (byteOffset) is honoured', () => {
    const batch = 3;
    const buf = randn(batch * cols + 9, seedOf('xb', name, dtype, rows));
    const x = buf.subarray(9);
    const y = sm.matmul(x, batch);
    expect(scaledErr(y, matmulRef(dense, rows, cols, x, batch)).maxErr).toBeLessThanOrEqual(TOL);
  });

  it('matmulAsync gives the same result (with and without out)', async () => {
    const batch = 33;
    const x = randn(batch * cols, seedOf('xa', name, dtype, rows));
    const bias = randn(rows, seedOf('ba', rows));
    const ref = matmulRef(dense, rows, cols, x, batch, bias, 'gelu');
    const p = sm.matmulAsync(x, batch, { bias, activation: 'gelu' });
    expect(p).toBeInstanceOf(Promise);
    const y = await p;
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(batch * rows);
    expect(scaledErr(y, ref).maxErr).toBeLessThanOrEqual(TOL);
    const out = new Float32Array(batch * rows);
    const y2 = await sm.matmulAsync(x, batch, { bias, activation: 'gelu', out });
    expect(y2).toBe(out);
    expect(scaledErr(out, ref).maxErr).toBeLessThanOrEqual(TOL);
  });

  it('backend cpu and auto give correct results', () => {
    const batch = 3;
    const x = randn(batch * cols, seedOf('xc', name, dtype, rows));
    const ref = matmulRef(dense, rows, cols, x, batch);
    expect(scaledErr(sm.matmul(x, batch, { backend: 'cpu' }), ref).maxErr).toBeLessThanOrEqual(TOL);
    expect(scaledErr(sm.matmul(x, batch, { backend: 'auto' }), ref).maxErr).toBeLessThanOrEqual(TOL);
  });

  it.each(['none', 'gelu'] as const)('NaN in x propagates to the affected outputs (activation %s)', (activation) => {
    // relu is left out: relu(NaN) is NaN under IEEE 754-2019 maximum() but 0 under 754-2008 maxNum().
    const batch = 3;
    const x = randn(batch * cols, seedOf('xn', name, dtype, rows));
    const nb = 1;
    // a column that some stored row actually uses (so the test is not vacuous), from column 5 on
    let nc = Math.min(5, cols - 1);
    for (let c = 0; c < cols; c++) {
      const cc = (5 + c) % cols;
      let used = false;
      for (let r = 0; r < rows && !used; r++) used = dense[r * cols + cc] !== 0;
      if (used) {
        nc = cc;
        break;
      }
    }
    x[nb * cols + nc] = Number.NaN;
    const bias = randn(rows, seedOf('bn', rows));
    const y = sm.matmul(x, batch, { bias, activation });
    const xClean = x.slice();
    xClean[nb * cols + nc] = 0;
    const ref = matmulRef(dense, rows, cols, xClean, batch, bias, activation);
    let affected = 0;
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < rows; r++) {
        const i = b * rows + r;
        const hit = b === nb && dense[r * cols + nc] !== 0;
        if (hit) {
          affected++;
          expect(y[i], `output (${b}, ${r}) uses the NaN input`).toBeNaN();
        } else if (b !== nb) {
          // other batch rows must be untouched by the NaN
          expect(Number.isNaN(y[i]), `output (${b}, ${r}) is NaN but its batch row has no NaN`).toBe(false);
          expect(Math.abs(y[i] - ref.y[i])).toBeLessThanOrEqual(TOL * 1.13 * ref.scale[i] + 1e-30);
        } else if (!Number.isNaN(y[i])) {
          // same batch row, zero weight at the NaN column: a kernel may skip it (value as if x=0)
          // or multiply a stored zero (NaN, as IEEE says for 0 * NaN); either is accepted
          expect(Math.abs(y[i] - ref.y[i])).toBeLessThanOrEqual(TOL * 1.13 * ref.scale[i] + 1e-30);
        }
      }
    }
    if (dense.some((v) => v !== 0)) expect(affected).toBeGreaterThan(0);
  });
});

describe('matmul edge cases', () => {
  it.each(['dense', 'csr', 'gs:16', 'gs:16x4', '2:4', 'block:4x4', 'channel'])('%s with large batches (130, 257) across batch tiles', (name) => {
    const rows = 37;
    const cols = 70;
    const sm = pack(weightsFor(rows, cols, 'bigbatch', name), [rows, cols], name === 'dense' ? { pattern: name } : { pattern: name, sparsity: 0.5 });
    const dense = sm.toDense();
    for (const batch of [130, 257]) {
      const x = randn(batch * cols, batch);
      const bias = randn(rows, 1);
      const ref = matmulRef(dense, rows, cols, x, batch, bias, 'relu');
      expect(scaledErr(sm.matmul(x, batch, { bias, activation: 'relu' }), ref).maxErr, `batch ${batch}`).toBeLessThanOrEqual(TOL);
    }
    sm.dispose();
  });

  it('an all-zero input gives the bias (and activation of the bias)', () => {
    const rows = 40;
    const cols = 50;
    const w = weightsFor(rows, cols, 'zero-x');
    for (const name of ['dense', 'csr', 'gs:16', '2:4', 'block:4x4', 'channel']) {
      const sm = pack(w, [rows, cols], name === 'dense' ? { pattern: name } : { pattern: name, sparsity: 0.5 });
      const bias = randn(rows, 3);
      const y = sm.matmul(new Float32Array(2 * cols), 2, { bias, activation: 'relu' });
      for (let i = 0; i < 2 * rows; i++) expect(y[i], name).toBe(Math.max(0, bias[i % rows]));
      sm.dispose();
    }
  });

  it.each(['csr', 'gs:16', 'gs:16x16', 'block:1x8', '2:4'])(
    '%s with cols > 65536 (32-bit column indices): toDense, matmul and a serialize round trip',
    (name) => {
      const rows = 3;
      const cols = 70001;
      const w = weightsFor(rows, cols, 'wide', name);
      const sm = pack(w, [rows, cols], { pattern: name, sparsity: name === '2:4' ? 0.5 : 0.9 });
      const dense = sm.toDense();
      // nonzeros beyond column 65535 exist and are the original weights
      let far = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 65536; c < cols; c++) {
          const v = dense[r * cols + c];
          if (v !== 0) {
            far++;
            expect(v).toBe(w[r * cols + c]);
          }
        }
      }
      expect(far).toBeGreaterThan(0);
      const x = randn(2 * cols, 8);
      const ref = matmulRef(dense, rows, cols, x, 2);
      expect(scaledErr(sm.matmul(x, 2), ref).maxErr).toBeLessThanOrEqual(TOL);
      const back = SparseMatrix.deserialize(sm.serialize());
      expect(describeDiff(back.toDense(), dense)).toBeNull();
      expect(scaledErr(back.matmul(x, 2), ref).maxErr).toBeLessThanOrEqual(TOL);
      back.dispose();
      sm.dispose();
    },
  );

  it('large-magnitude inputs keep relative accuracy (no fixed absolute tolerance)', () => {
    const rows = 32;
    const cols = 300;
    const w = weightsFor(rows, cols, 'big-x');
    const sm = pack(w, [rows, cols], { pattern: 'gs:16', sparsity: 0.5 });
    const x = randn(4 * cols, 77, 1e6);
    const y = sm.matmul(x, 4);
    expect(scaledErr(y, matmulRef(sm.toDense(), rows, cols, x, 4)).maxErr).toBeLessThanOrEqual(TOL);
    sm.dispose();
  });
});
