// NestedSparseMatrix checked from outside the format: each level's dense matrix against the weights (subset of
// the denser level, the pattern's invariants, retained magnitude vs independent pruning), every kernel path
// per level against the float64 reference, serialization, and argument errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GsparseError, NestedSparseMatrix, pack, packNested, parsePattern, prune, SparseMatrix } from '../lib/index.js';
import { checkPruned, nnzOf } from './helpers/invariants.js';
import type { PatternObj } from './helpers/patterns.js';
import { f16roundArray, matmulRef, randn, scaledErr } from './helpers/reference.js';
import { errCode, rejected, seedOf, thrown, weightsFor } from './helpers/util.js';

const TOL = 1e-5; // test/helpers/reference.ts
interface NestedCase {
  pattern: string;
  levels: number[];
  /** The pattern of level k as the invariant checks see it (N:M lowers n). */
  at(k: number): PatternObj;
}
const fixed = (obj: PatternObj) => () => obj;
const CASES: NestedCase[] = [
  { pattern: 'csr', levels: [0.5, 0.75, 0.9], at: fixed({ kind: 'csr' }) },
  { pattern: 'block:4x4', levels: [0.5, 0.8, 0.9], at: fixed({ kind: 'block', rows: 4, cols: 4 }) },
  { pattern: 'block:4x1', levels: [0.6, 0.9], at: fixed({ kind: 'block', rows: 4, cols: 1 }) },
  { pattern: '4:8', levels: [0.5, 0.75, 0.875], at: (k) => ({ kind: 'nm', n: [4, 2, 1][k]!, m: 8 }) },
  { pattern: 'gs:16', levels: [0.5, 0.8, 0.9], at: fixed({ kind: 'gs', banks: 16, perRow: 1 }) },
  { pattern: 'gs:8', levels: [0.75, 0.9], at: fixed({ kind: 'gs', banks: 8, perRow: 1 }) },
  { pattern: 'gs:16x4', levels: [0.5, 0.9], at: fixed({ kind: 'gs', banks: 16, perRow: 4 }) },
  { pattern: 'gs:16:permute', levels: [0.5, 0.8, 0.9], at: fixed({ kind: 'gs', banks: 16, perRow: 1, permute: true }) },
  { pattern: 'channel', levels: [0.5, 0.75], at: fixed({ kind: 'channel' }) },
];
const SHAPES: [number, number][] = [
  [37, 70], // partial GS groups / blocks, cols not a multiple of 8 or 16
  [200, 777],
];
const DTYPES = ['f32', 'f16'] as const;
const BATCHES = [1, 2, 3, 33, 64]; // 1: vector kernels, 2: small-batch gathers, 3+: tiles, 64: row-blocked copy

const patternName = (o: PatternObj): string => (o.kind === 'nm' ? `${o.n}:${o.m}` : '');
const sumAbs = (a: Float32Array): number => a.reduce((s, v) => s + Math.abs(v), 0);

const COMBOS = CASES.flatMap((c) =>
  DTYPES.flatMap((dtype) => SHAPES.map(([rows, cols]) => [`${c.pattern} ${dtype} ${rows}x${cols}`, c, dtype, rows, cols] as const)));

describe.each(COMBOS)('%s', (_t, c, dtype, rows, cols) => {
  let nm: NestedSparseMatrix;
  let w: Float32Array;
  let levels: Float32Array[];
  beforeAll(() => {
    w = weightsFor(rows, cols, 'nested', c.pattern);
    nm = packNested(w, [rows, cols], { pattern: c.pattern, levels: c.levels, dtype });
    levels = c.levels.map((_, k) => nm.toDense(k));
  });
  afterAll(() => nm?.dispose());

  it('reports its levels, densest first, with their nonzeros and sparsity within 0.02', () => {
    expect(nm).toBeInstanceOf(NestedSparseMatrix);
    expect(nm.levels.map((l) => l.sparsity)).toEqual(c.levels);
    expect([nm.rows, nm.cols, nm.dtype]).toEqual([rows, cols, dtype]);
    expect(nm.pattern).toEqual(parsePattern(c.pattern));
    c.levels.forEach((s, k) => {
      expect(nm.levels[k]!.nnz).toBe(nnzOf(levels[k]!));
      expect(Math.abs(1 - nnzOf(levels[k]!) / (rows * cols) - s)).toBeLessThanOrEqual(0.02);
    });
  });

  it('nests: every nonzero of level k+1 is in level k with the same value', () => {
    for (let k = 0; k + 1 < levels.length; k++) {
      const dense = levels[k]!;
      const sparser = levels[k + 1]!;
      let bad = 0;
      for (let i = 0; i < sparser.length; i++) if (sparser[i] !== 0 && sparser[i] !== dense[i]) bad++;
      expect(bad, `level ${k + 1} entries not in level ${k}`).toBe(0);
    }
  });

  it('each level has the pattern and keeps >= 0.97 of what independent pruning keeps', () => {
    const stored = dtype === 'f16' ? f16roundArray(w) : w;
    c.levels.forEach((s, k) => {
      const obj = c.at(k);
      // Ranking checks need the values pruning ranked (fp32: fp16 rounding can swap near-ties); fp16
      // levels keep the fp16-rounded weights.
      if (dtype === 'f32') expect(checkPruned(w, levels[k]!, rows, cols, obj), `level ${k}`).toEqual([]);
      else expect(levels[k]!.every((v, i) => v === 0 || v === stored[i]), `level ${k} values`).toBe(true);
      const independent = prune(stored, [rows, cols], { pattern: patternName(obj) || c.pattern, sparsity: s });
      expect(sumAbs(levels[k]!) / sumAbs(independent), `level ${k} retained`).toBeGreaterThanOrEqual(0.97);
    });
  });

  it.each(BATCHES)('matmul at every level matches the float64 reference (batch %i)', (batch) => {
    const x = randn(batch * cols, seedOf('x', c.pattern, rows, batch));
    const bias = randn(rows, seedOf('b', rows));
    c.levels.forEach((_, k) => {
      const activation = k % 2 === 0 ? 'gelu' : 'relu';
      const out = new Float32Array(batch * rows).fill(Number.NaN); // every element must be written
      const y = nm.matmul(x, batch, { bias, activation, out, level: k });
      const err = scaledErr(y, matmulRef(levels[k]!, rows, cols, x, batch, bias, activation));
      expect(err.maxErr, `level ${k}: ${JSON.stringify(err)}`).toBeLessThanOrEqual(TOL);
    });
  });

  it('matmulAsync at a level equals matmul at that level', async () => {
    const x = randn(3 * cols, seedOf('xa', c.pattern, rows));
    const k = c.levels.length - 1;
    expect(await nm.matmulAsync(x, 3, { level: k })).toEqual(nm.matmul(x, 3, { level: k }));
  });

  it('serializes and reads back every level', () => {
    const back = NestedSparseMatrix.deserialize(nm.serialize());
    try {
      expect(back.levels).toEqual(nm.levels);
      expect(back.byteLength).toBe(nm.byteLength);
      c.levels.forEach((_, k) => expect(back.toDense(k)).toEqual(levels[k]));
    } finally {
      back.dispose();
    }
  });
});

describe('storage', () => {
  it.each(CASES)('$pattern: at most 1.1x the densest level packed alone', (c) => {
    const [rows, cols] = [512, 1024];
    const w = weightsFor(rows, cols, 'nested-storage', c.pattern);
    const nm = packNested(w, [rows, cols], { pattern: c.pattern, levels: c.levels });
    const alone = pack(w, [rows, cols], { pattern: patternName(c.at(0)) || c.pattern, sparsity: c.levels[0] });
    try {
      expect(nm.byteLength / alone.byteLength).toBeLessThanOrEqual(1.1);
    } finally {
      nm.dispose();
      alone.dispose();
    }
  });
});

describe('errors', () => {
  const w = weightsFor(24, 40, 'nested-errors');
  let nm: NestedSparseMatrix;
  beforeAll(() => {
    nm = packNested(w, [24, 40], { pattern: 'csr', levels: [0.5, 0.9] });
  });
  afterAll(() => nm?.dispose());
  const x = randn(40, 1);

  it.each([-1, 2, 0.5, Number.NaN, Infinity])('level %s is a RangeError', async (level) => {
    expect(thrown(() => nm.matmul(x, 1, { level }))).toBeInstanceOf(RangeError);
    expect(await rejected(nm.matmulAsync(x, 1, { level }))).toBeInstanceOf(RangeError);
    expect(thrown(() => nm.toDense(level))).toBeInstanceOf(RangeError);
  });

  it('a level that is not a number is a TypeError', () => {
    expect(thrown(() => nm.matmul(x, 1, { level: '1' as unknown as number }))).toBeInstanceOf(TypeError);
  });

  it.each([
    ['descending', 'csr', [0.9, 0.5]],
    ['repeated', 'csr', [0.5, 0.5]],
    ['one level', 'csr', [0.5]],
    ['sparsity 1', 'csr', [0.5, 1]],
    ['negative', 'csr', [-0.1, 0.5]],
    ['NaN', 'csr', [0.5, Number.NaN]],
    ['17 levels', 'csr', Array.from({ length: 17 }, (_, i) => i / 20)],
    ['N:M without a whole N', '4:8', [0.5, 0.6]],
    ['N:M denser than its pattern', '2:4', [0.25, 0.5]],
    ['dense', 'dense', [0.5, 0.9]],
  ] as const)('packNested with %s levels is a RangeError', (_name, pattern, levels) => {
    const e = thrown(() => packNested(w, [24, 40], { pattern, levels: [...levels] }));
    expect(e, String(e)).toBeInstanceOf(RangeError);
  });

  it('levels that are not an array are a TypeError', () => {
    expect(thrown(() => packNested(w, [24, 40], { pattern: 'csr', levels: 0.5 as unknown as number[] }))).toBeInstanceOf(TypeError);
    expect(thrown(() => packNested(w, [24, 40], { pattern: 'csr', levels: ['0.5', 0.9] as unknown as number[] }))).toBeInstanceOf(TypeError);
  });

  it('plain and nested bytes are not read by the other class', () => {
    const plain = pack(w, [24, 40], { pattern: 'csr', sparsity: 0.5 });
    try {
      expect(thrown(() => SparseMatrix.deserialize(nm.serialize()))).toBeInstanceOf(RangeError);
      expect(thrown(() => NestedSparseMatrix.deserialize(plain.serialize()))).toBeInstanceOf(RangeError);
    } finally {
      plain.dispose();
    }
  });

  it('the cuda backend refuses nested matrices with E_BACKEND', () => {
    const e = thrown(() => nm.matmul(x, 1, { backend: 'cuda', level: 1 }));
    expect(e).toBeInstanceOf(GsparseError);
    expect(errCode(e)).toBe('E_BACKEND');
  });

  it('use after dispose is E_DISPOSED', () => {
    const m = packNested(w, [24, 40], { pattern: 'gs:8', levels: [0.5, 0.75] });
    m.dispose();
    expect(errCode(thrown(() => m.matmul(x, 1, { level: 1 })))).toBe('E_DISPOSED');
  });
});
