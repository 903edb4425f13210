// docs/errors.md, The rule: wrong types -> TypeError, wrong values -> RangeError stating expected and
// actual, everything else -> GsparseError with a stable code. Never a crash or a silent wrong answer.
import { describe, expect, it } from 'vitest';
import { GsparseError, SparseMatrix, backends, pack, prune, setThreads } from '../lib/index.js';
import { randn } from './helpers/reference.js';
import { errCode, rejected, thrown, weightsFor } from './helpers/util.js';

const ROWS = 4;
const COLS = 7;
const W = weightsFor(ROWS, COLS, 'errors');

// prune and pack share the argument contract; run every case through both
const ENTRY: [string, (w: unknown, shape: unknown, opts: unknown) => unknown][] = [
  ['prune', (w, s, o) => prune(w as never, s as never, o as never)],
  ['pack', (w, s, o) => pack(w as never, s as never, o as never)],
];

describe.each(ENTRY)('%s arguments', (_name, fn) => {
  const opts = { pattern: 'csr', sparsity: 0.5 };

  it.each([
    ['an Array', Array.from(W)],
    ['a Float64Array', Float64Array.from(W)],
    ['a Uint8Array', new Uint8Array(ROWS * COLS)],
    ['null', null],
    ['a number', 3],
  ])('w as %s is a TypeError', (_w, w) => {
    expect(thrown(() => fn(w, [ROWS, COLS], opts))).toBeInstanceOf(TypeError);
  });

  it.each([
    ['[4]', [4]],
    ['[4, 7, 1]', [4, 7, 1]],
    ["['4', '7']", ['4', '7']],
    ['a string', '4x7'],
    ['undefined', undefined],
  ])('shape %s is a TypeError', (_s, shape) => {
    expect(thrown(() => fn(W, shape, opts))).toBeInstanceOf(TypeError);
  });

  // One rule everywhere: a number of the wrong value is a RangeError (as for batch), naming the range.
  it.each([
    ['[0, 28]', [0, 28], '0'],
    ['[-4, -7]', [-4, -7], '-4'],
    ['[4.5, 7]', [4.5, 7], '4.5'],
    ['[NaN, 7]', [Number.NaN, 7], 'NaN'],
    ['[4, 0]', [4, 0], '0'],
  ])('shape %s is a RangeError naming the value', (_s, shape, got) => {
    const e = thrown(() => fn(W, shape, opts));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toContain(`got ${got}`);
    expect((e as Error).message).toMatch(/expected an integer in 1\.\./);
  });

  it('w.length !== rows*cols is a RangeError stating both numbers', () => {
    const e = thrown(() => fn(W.subarray(0, 27), [ROWS, COLS], opts));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/\b28\b/);
    expect((e as Error).message).toMatch(/\b27\b/);
    const e2 = thrown(() => fn(W, [5, 7], opts));
    expect(e2).toBeInstanceOf(RangeError);
    expect((e2 as Error).message).toMatch(/\b35\b/);
    expect((e2 as Error).message).toMatch(/\b28\b/);
  });

  it('rows*cols overflowing 32 bits is a RangeError, not a crash', () => {
    // 65536 * 65536 wraps to 0 in uint32: an empty w must not pass a wrapped size check
    expect(thrown(() => fn(new Float32Array(0), [65536, 65536], opts))).toBeInstanceOf(RangeError);
    expect(thrown(() => fn(new Float32Array(4), [4, 1073741825], opts))).toBeInstanceOf(RangeError); // 4*1073741825 = 2^32 + 4
    expect(thrown(() => fn(W, [65536, 65536], opts))).toBeInstanceOf(RangeError);
  });

  it.each([1, -0.1, Number.NaN, 1.5, Number.POSITIVE_INFINITY])('sparsity %s is a RangeError', (s) => {
    expect(thrown(() => fn(W, [ROWS, COLS], { pattern: 'csr', sparsity: s }))).toBeInstanceOf(RangeError);
    expect(thrown(() => fn(W, [ROWS, COLS], { pattern: 'gs:16', sparsity: s }))).toBeInstanceOf(RangeError);
  });

  it('sparsity 0 is accepted', () => {
    expect(thrown(() => fn(W, [ROWS, COLS], { pattern: 'csr', sparsity: 0 }))).toBeUndefined();
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('a %s weight is a RangeError (with and without sparsity)', (_n, v) => {
    const w = W.slice();
    w[9] = v;
    expect(thrown(() => fn(w, [ROWS, COLS], opts))).toBeInstanceOf(RangeError);
    expect(thrown(() => fn(w, [ROWS, COLS], { pattern: 'dense', sparsity: 0 }))).toBeInstanceOf(RangeError);
    expect(thrown(() => fn(w, [ROWS, COLS], { pattern: 'gs:16', sparsity: 0.5 }))).toBeInstanceOf(RangeError);
  });

  it('a bad pattern is a RangeError naming the field', () => {
    const e = thrown(() => fn(W, [ROWS, COLS], { pattern: 'gs:12', sparsity: 0.5 }));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/banks/);
  });
});

describe('pack-only arguments', () => {
  it('a NaN weight is a RangeError for pack without sparsity', () => {
    const w = W.slice();
    w[3] = Number.NaN;
    for (const pattern of ['dense', 'csr', 'channel', 'block:4x1', 'gs:16', 'gs:16x16', 'gs:16:permute']) {
      expect(thrown(() => pack(w, [ROWS, COLS], { pattern })), pattern).toBeInstanceOf(RangeError);
    }
  });

  it("a bad dtype ('f64') is a RangeError", () => {
    expect(thrown(() => pack(W, [ROWS, COLS], { pattern: 'csr', sparsity: 0.5, dtype: 'f64' as never }))).toBeInstanceOf(RangeError);
  });
});

describe('matmul arguments', () => {
  const sm = pack(W, [ROWS, COLS], { pattern: 'csr', sparsity: 0.5 });
  const x3 = randn(3 * COLS, 1);

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('batch %s is a RangeError', (batch) => {
    expect(thrown(() => sm.matmul(x3, batch))).toBeInstanceOf(RangeError);
  });

  it.each([['a string', '3'], ['null', null], ['undefined', undefined]])('batch as %s is a TypeError', (_n, batch) => {
    expect(thrown(() => sm.matmul(x3, batch as never))).toBeInstanceOf(TypeError);
  });

  it('x.length !== batch*cols is a RangeError stating both numbers', () => {
    const e = thrown(() => sm.matmul(x3.subarray(0, 20), 3));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/\b21\b/);
    expect((e as Error).message).toMatch(/\b20\b/);
    const e2 = thrown(() => sm.matmul(x3, 4));
    expect(e2).toBeInstanceOf(RangeError);
    expect((e2 as Error).message).toMatch(/\b28\b/);
    expect((e2 as Error).message).toMatch(/\b21\b/);
  });

  it('batch*cols overflowing 32 bits is a RangeError, not a crash', () => {
    // 7 * 613566757 = 2^32 + 3: a wrapped uint32 product would match x.length 3
    expect(thrown(() => sm.matmul(new Float32Array(3), 613566757))).toBeInstanceOf(RangeError);
  });

  it.each([
    ['an Array', Array.from(x3)],
    ['a Float64Array', Float64Array.from(x3)],
    ['null', null],
  ])('x as %s is a TypeError', (_n, x) => {
    expect(thrown(() => sm.matmul(x as never, 3))).toBeInstanceOf(TypeError);
  });

  it('bias of the wrong length is a RangeError', () => {
    expect(thrown(() => sm.matmul(x3, 3, { bias: new Float32Array(ROWS + 1) }))).toBeInstanceOf(RangeError);
    expect(thrown(() => sm.matmul(x3, 3, { bias: new Float32Array(COLS) }))).toBeInstanceOf(RangeError);
  });

  it('bias that is not a Float32Array is a TypeError', () => {
    expect(thrown(() => sm.matmul(x3, 3, { bias: [1, 2, 3, 4] as never }))).toBeInstanceOf(TypeError);
  });

  it('out of the wrong length is a RangeError', () => {
    expect(thrown(() => sm.matmul(x3, 3, { out: new Float32Array(3 * ROWS - 1) }))).toBeInstanceOf(RangeError);
    expect(thrown(() => sm.matmul(x3, 3, { out: new Float32Array(3 * ROWS + 1) }))).toBeInstanceOf(RangeError);
  });

  it.each(['tanh', 'RELU', '', 'sigmoid'])('activation %j is a RangeError', (a) => {
    expect(thrown(() => sm.matmul(x3, 3, { activation: a as never }))).toBeInstanceOf(RangeError);
  });

  it("backend 'tpu' is a RangeError", () => {
    expect(thrown(() => sm.matmul(x3, 3, { backend: 'tpu' as never }))).toBeInstanceOf(RangeError);
  });

  it('matmulAsync rejects (does not throw synchronously) with the same error classes', async () => {
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = sm.matmulAsync(x3, 0);
    }).not.toThrow();
    expect(await rejected(p!)).toBeInstanceOf(RangeError);
    expect(await rejected(sm.matmulAsync(x3.subarray(1), 3))).toBeInstanceOf(RangeError);
    expect(await rejected(sm.matmulAsync([1, 2] as never, 3))).toBeInstanceOf(TypeError);
    expect(await rejected(sm.matmulAsync(x3, 3, { activation: 'tanh' as never }))).toBeInstanceOf(RangeError);
  });

  it('the failed calls left the matrix usable', () => {
    expect(sm.matmul(x3, 3).length).toBe(3 * ROWS);
  });
});

describe('dispose', () => {
  it('use after dispose is GsparseError E_DISPOSED; dispose twice is fine', async () => {
    const sm = pack(W, [ROWS, COLS], { pattern: 'gs:16', sparsity: 0.5 });
    sm.dispose();
    expect(() => sm.dispose()).not.toThrow();
    const x = randn(COLS, 2);
    for (const [what, f] of [
      ['matmul', () => sm.matmul(x, 1)],
      ['toDense', () => sm.toDense()],
      ['serialize', () => sm.serialize()],
    ] as const) {
      const e = thrown(f);
      expect(e, what).toBeInstanceOf(GsparseError);
      expect(errCode(e), what).toBe('E_DISPOSED');
    }
    const e = await rejected(sm.matmulAsync(x, 1));
    expect(e).toBeInstanceOf(GsparseError);
    expect(errCode(e)).toBe('E_DISPOSED');
  });

  it('properties stay readable after dispose', () => {
    const sm = pack(W, [ROWS, COLS], { pattern: 'csr', sparsity: 0.5 });
    sm.dispose();
    expect(sm.rows).toBe(ROWS);
    expect(sm.cols).toBe(COLS);
  });
});

describe('GsparseError', () => {
  it('is an Error with a code', () => {
    const sm = pack(W, [ROWS, COLS], { pattern: 'csr', sparsity: 0.5 });
    sm.dispose();
    const e = thrown(() => sm.toDense());
    expect(e).toBeInstanceOf(GsparseError);
    expect(e).toBeInstanceOf(Error);
    expect(typeof (e as GsparseError).code).toBe('string');
    expect((e as Error).message.length).toBeGreaterThan(0);
    expect(typeof (e as Error).stack).toBe('string');
  });

  it('deserialize errors are GsparseErrors too', () => {
    const e = thrown(() => SparseMatrix.deserialize(new Uint8Array(3)));
    expect(e).toBeInstanceOf(GsparseError);
    expect(e).toBeInstanceOf(Error);
    expect(errCode(e)).toBe('E_CORRUPT');
  });
});

describe('backend and threads', () => {
  const cuda = backends().find((b) => b.name === 'cuda');
  it.skipIf(cuda?.available)("backend 'cuda' without a usable GPU is GsparseError E_BACKEND (sync and async)", async () => {
    const sm = pack(W, [ROWS, COLS], { pattern: 'gs:16', sparsity: 0.5 });
    const x = randn(COLS, 3);
    const e = thrown(() => sm.matmul(x, 1, { backend: 'cuda' }));
    expect(e).toBeInstanceOf(GsparseError);
    expect(errCode(e)).toBe('E_BACKEND');
    const e2 = await rejected(sm.matmulAsync(x, 1, { backend: 'cuda' }));
    expect(e2).toBeInstanceOf(GsparseError);
    expect(errCode(e2)).toBe('E_BACKEND');
    sm.dispose();
  });

  it.each([0, 1.5, -1, 1025, 1e9, Number.NaN, Number.POSITIVE_INFINITY])('setThreads(%s) is a RangeError', (n) => {
    const e = thrown(() => setThreads(n));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toContain('1..1024');
  });

  it("setThreads('2') is a TypeError", () => {
    expect(thrown(() => setThreads('2' as never))).toBeInstanceOf(TypeError);
  });
});
