import { describe, expect, it } from 'vitest';
import { pack, parsePattern, prune } from '../lib/index.js';
import { checkPruned, gsStats, nnzOf, sparsityOf } from './helpers/invariants.js';
import { PATTERN_CASES, SHAPES, pruneOpts, targetSparsity, type PatternCase } from './helpers/patterns.js';
import { countNonzeros, describeDiff, f16roundArray } from './helpers/reference.js';
import { thrown, unevenRandomZeros, weightsFor } from './helpers/util.js';

const BIG: [number, number] = [200, 777];

interface Row {
  c: PatternCase;
  rows: number;
  cols: number;
  sparsity: number | undefined;
}
const ROWS: Row[] = [];
for (const c of PATTERN_CASES) {
  for (const [rows, cols] of SHAPES) {
    for (const sparsity of c.sparsities) ROWS.push({ c, rows, cols, sparsity });
  }
}
const title = (r: Row) => `${r.c.name} ${r.rows}x${r.cols}${r.sparsity === undefined ? '' : ` @${r.sparsity}`}`;

describe.each(ROWS.map((r) => [title(r), r] as const))('%s', (_t, { c, rows, cols, sparsity }) => {
  const shape: [number, number] = [rows, cols];
  const isBig = rows === BIG[0] && cols === BIG[1];
  const w = weightsFor(rows, cols, c.name, sparsity ?? 0);
  const wCopy = w.slice();
  const opts = pruneOpts(c.name, sparsity);

  it('prune satisfies the pattern invariants', () => {
    const p = prune(w, shape, opts);
    expect(p).toBeInstanceOf(Float32Array);
    expect(p.length).toBe(rows * cols);
    expect(p).not.toBe(w);
    expect(describeDiff(w, wCopy)).toBeNull(); // w not modified
    // GS padding bound (see gsStats): tight on the large shape, looser on tiny groups (16x16)
    const problems = checkPruned(w, p, rows, cols, c.obj, { gsMaxPadding: isBig ? 0.01 : 0.06 });
    expect(problems).toEqual([]);
  });

  it('achieved sparsity', () => {
    const p = prune(w, shape, opts);
    const s = sparsityOf(p);
    const target = targetSparsity(c.obj, sparsity);
    if (c.obj.kind === 'nm' && cols % c.obj.m === 0) {
      expect(nnzOf(p)).toBe((rows * cols * c.obj.n) / c.obj.m); // exact (Gaussian w has no zeros)
    } else if (c.obj.kind === 'dense') {
      expect(s).toBe(0);
    } else if (isBig) {
      expect(Math.abs(s - target)).toBeLessThanOrEqual(0.02);
    } else {
      // small shapes: 0.02 plus the pattern's granularity (a whole channel = 1/rows of the matrix;
      // GS rounds every group to whole packs = perRow elements per row, plus possible padding)
      const o = c.obj;
      const gran =
        o.kind === 'channel' ? 1 / rows
        : o.kind === 'gs' ? o.perRow / cols
        : o.kind === 'block' ? (o.rows * o.cols) / (rows * cols)
        : 1 / (rows * cols);
      expect(Math.abs(s - target)).toBeLessThanOrEqual(0.02 + gran);
    }
  });

  it('prune is deterministic', () => {
    expect(describeDiff(prune(w, shape, opts), prune(w, shape, opts))).toBeNull();
  });

  it('pack(w, {pattern, sparsity}).toDense() equals prune(w) (f32), and properties', () => {
    const p = prune(w, shape, opts);
    const sm = pack(w, shape, opts);
    try {
      const d = sm.toDense();
      expect(d).toBeInstanceOf(Float32Array);
      expect(describeDiff(d, p, cols)).toBeNull();
      expect(sm.rows).toBe(rows);
      expect(sm.cols).toBe(cols);
      expect(sm.dtype).toBe('f32');
      expect(sm.pattern).toEqual(parsePattern(c.name));
      expect(sm.nnz).toBe(countNonzeros(d));
      expect(sm.sparsity).toBeCloseTo(1 - countNonzeros(d) / (rows * cols), 12);
      expect(Number.isInteger(sm.byteLength)).toBe(true);
      expect(sm.byteLength).toBeGreaterThan(0);
      expect(describeDiff(w, wCopy)).toBeNull();
    } finally {
      sm.dispose();
    }
  });

  it('f16: toDense is the fp16 rounding of prune(w), and byteLength is smaller than f32', () => {
    const p = prune(w, shape, opts);
    const s32 = pack(w, shape, opts);
    const s16 = pack(w, shape, { ...opts, dtype: 'f16' });
    try {
      expect(s16.dtype).toBe('f16');
      const d = s16.toDense();
      expect(describeDiff(d, f16roundArray(p), cols)).toBeNull();
      expect(s16.nnz).toBe(countNonzeros(d));
      expect(s16.byteLength).toBeGreaterThan(0);
      if (s32.nnz > 0) expect(s16.byteLength).toBeLessThan(s32.byteLength);
      else expect(s16.byteLength).toBeLessThanOrEqual(s32.byteLength); // nothing stored (e.g. gs:16x16 on 16 columns at 90%)
    } finally {
      s32.dispose();
      s16.dispose();
    }
  });

  it('pack of an already-pruned matrix without sparsity gives the same matrix', () => {
    const p = prune(w, shape, opts);
    const sm = pack(p, shape, { pattern: c.name });
    try {
      expect(describeDiff(sm.toDense(), p, cols)).toBeNull();
      expect(sm.nnz).toBe(countNonzeros(p));
    } finally {
      sm.dispose();
    }
  });
});

describe('compactness', () => {
  it.each(PATTERN_CASES.filter((c) => c.sparsities.includes(0.9)).map((c) => [c.name]))(
    '%s at 90%% on 200x777 stores well under the dense size',
    (name) => {
      const [rows, cols] = BIG;
      const w = weightsFor(rows, cols, 'compact', name);
      const sm = pack(w, BIG, { pattern: name, sparsity: 0.9 });
      const dense = pack(w, BIG, { pattern: 'dense' });
      try {
        expect(sm.byteLength).toBeLessThan(0.3 * rows * cols * 4);
        expect(dense.byteLength).toBeGreaterThanOrEqual(rows * cols * 4);
      } finally {
        sm.dispose();
        dense.dispose();
      }
    },
  );
});

describe('pack without sparsity: what the matrix already is', () => {
  const rows = 64;
  const cols = 128;
  const uneven = unevenRandomZeros(rows, cols, 99);

  it.each([['dense'], ['csr'], ['block:4x1'], ['block:4x4'], ['channel']])(
    '%s keeps an arbitrary matrix with random zeros exactly',
    (name) => {
      const sm = pack(uneven, [rows, cols], { pattern: name });
      try {
        expect(describeDiff(sm.toDense(), uneven, cols)).toBeNull();
        expect(sm.nnz).toBe(countNonzeros(uneven));
      } finally {
        sm.dispose();
      }
    },
  );

  it('channel packing of a matrix with zero rows drops those rows and keeps the rest', () => {
    const w = weightsFor(rows, cols, 'zero-rows');
    for (const r of [0, 5, 6, 63]) w.fill(0, r * cols, (r + 1) * cols);
    const sm = pack(w, [rows, cols], { pattern: 'channel' });
    try {
      expect(describeDiff(sm.toDense(), w, cols)).toBeNull();
      expect(sm.nnz).toBe((rows - 4) * cols);
      // narrower dense matrix: about 60/64 of the dense size
      const dense = pack(w, [rows, cols], { pattern: 'dense' });
      expect(sm.byteLength).toBeLessThan(dense.byteLength);
      dense.dispose();
    } finally {
      sm.dispose();
    }
  });

  it('gs:16 of a plain random matrix (rows with very different counts) is a RangeError', () => {
    const e = thrown(() => pack(uneven, [rows, cols], { pattern: 'gs:16' }));
    expect(e).toBeInstanceOf(RangeError);
  });

  it('gs:16 of a matrix whose nonzeros all sit in bank 0 is a RangeError (no bank-distinct packs)', () => {
    const w = weightsFor(rows, cols, 'bank0');
    for (let i = 0; i < w.length; i++) if ((i % cols) % 16 !== 0) w[i] = 0;
    const e = thrown(() => pack(w, [rows, cols], { pattern: 'gs:16' }));
    expect(e).toBeInstanceOf(RangeError);
  });

  it('gs:16x16 of a plain random matrix is a RangeError (banks unbalanced inside rows)', () => {
    const e = thrown(() => pack(uneven, [rows, cols], { pattern: 'gs:16x16' }));
    expect(e).toBeInstanceOf(RangeError);
  });

  it('gs:16 of a fully dense matrix packs (every group is full packs, no padding)', () => {
    const w = weightsFor(32, 64, 'gs-dense');
    const sm = pack(w, [32, 64], { pattern: 'gs:16' });
    try {
      expect(describeDiff(sm.toDense(), w, 64)).toBeNull();
      expect(sm.nnz).toBe(32 * 64);
    } finally {
      sm.dispose();
    }
  });

  it('a hand-built exact GS matrix packs as gs:16 without sparsity', () => {
    const R = 16;
    const C = 96;
    const src = weightsFor(48, C, 'gs-hand');
    const w = new Float32Array(src.length);
    for (let r = 0; r < 48; r++) {
      const i = r % R;
      for (let k = 0; k < 20; k++) {
        const c = 16 * Math.floor(k / 16) + ((i + k) % 16);
        w[r * C + c] = src[r * C + c];
      }
    }
    expect(gsStats(w, 48, C, 16, 1).padding).toBe(0);
    const sm = pack(w, [48, C], { pattern: 'gs:16' });
    try {
      expect(describeDiff(sm.toDense(), w, C)).toBeNull();
      expect(sm.nnz).toBe(48 * 20);
    } finally {
      sm.dispose();
    }
  });

  it('2:4 of a matrix with 3 nonzeros in one group is a RangeError', () => {
    const w = weightsFor(16, 32, '2:4-bad');
    const p = prune(w, [16, 32], { pattern: '2:4' });
    // row 5, columns 8..11: add a third nonzero
    const row = 5;
    let added = false;
    for (let c = 8; c < 12 && !added; c++) {
      if (p[row * 32 + c] === 0) {
        p[row * 32 + c] = 1.25;
        added = true;
      }
    }
    expect(added).toBe(true);
    const e = thrown(() => pack(p, [16, 32], { pattern: '2:4' }));
    expect(e).toBeInstanceOf(RangeError);
  });

  it('2:4 of a fully dense matrix is a RangeError; 1:4 of a 2:4 matrix is a RangeError', () => {
    const w = weightsFor(16, 32, 'nm-dense');
    expect(thrown(() => pack(w, [16, 32], { pattern: '2:4' }))).toBeInstanceOf(RangeError);
    const p = prune(w, [16, 32], { pattern: '2:4' });
    expect(thrown(() => pack(p, [16, 32], { pattern: '1:4' }))).toBeInstanceOf(RangeError);
  });

  it('2:4 accepts groups with fewer than 2 nonzeros', () => {
    const w = weightsFor(16, 32, 'nm-sparse');
    const p = prune(w, [16, 32], { pattern: '1:4' }); // 1 per group is also valid 2:4
    const sm = pack(p, [16, 32], { pattern: '2:4' });
    try {
      expect(describeDiff(sm.toDense(), p, 32)).toBeNull();
    } finally {
      sm.dispose();
    }
  });

  it("prune with pattern 'dense' and no sparsity returns an equal copy (sparsity is optional in prune's signature)", () => {
    const w = weightsFor(8, 8, 'dense-nosparsity');
    const p = prune(w, [8, 8], { pattern: 'dense' });
    expect(p).not.toBe(w);
    expect(describeDiff(p, w)).toBeNull();
  });

  it('N:M prune without sparsity uses the fixed 1 - n/m', () => {
    const w = weightsFor(16, 32, 'nm-nosparsity');
    for (const [name, s] of [['2:4', 0.5], ['1:4', 0.75]] as const) {
      const a = prune(w, [16, 32], { pattern: name });
      const b = prune(w, [16, 32], { pattern: name, sparsity: s });
      expect(describeDiff(a, b), name).toBeNull();
      expect(sparsityOf(a)).toBe(s);
    }
  });

  it('f16: a weight beyond the fp16 range (|w| > 65504) is a RangeError, not a silent Infinity', () => {
    const w = weightsFor(16, 16, 'f16-overflow');
    w[21] = 70000;
    for (const pattern of PATTERN_CASES.map((c) => c.name)) {
      const opts = pattern === 'dense' ? { pattern, dtype: 'f16' as const } : { pattern, sparsity: pattern === '1:4' ? 0.75 : 0.5, dtype: 'f16' as const };
      expect(thrown(() => pack(w, [16, 16], opts)), pattern).toBeInstanceOf(RangeError);
    }
    w[21] = 65504; // the largest half: fine
    const sm = pack(w, [16, 16], { pattern: 'dense', dtype: 'f16' });
    expect(sm.toDense()[21]).toBe(65504);
    sm.dispose();
  });

  it('f16: weights that round to zero in fp16 are not counted in nnz', () => {
    const w = weightsFor(16, 16, 'f16-underflow');
    w[3] = 1e-9; // below half the smallest subnormal (2^-25): rounds to 0
    w[4] = -2e-8;
    const sm = pack(w, [16, 16], { pattern: 'dense', dtype: 'f16' });
    const d = sm.toDense();
    expect(describeDiff(d, f16roundArray(w), 16)).toBeNull();
    expect(sm.nnz).toBe(countNonzeros(d));
    sm.dispose();
  });

  it('object pattern forms work like strings', () => {
    const w = weightsFor(64, 64, 'objform');
    for (const c of PATTERN_CASES) {
      const s = c.sparsities[0];
      const a = prune(w, [64, 64], s === undefined ? { pattern: c.name } : { pattern: c.name, sparsity: s });
      const b = prune(w, [64, 64], s === undefined ? { pattern: c.obj as never } : { pattern: c.obj as never, sparsity: s });
      expect(describeDiff(a, b), c.name).toBeNull();
    }
  });
});

describe('importance scores (opts.scores)', () => {
  const abs = (a: Float32Array) => a.map(Math.abs);
  const keptPositions = (a: Float32Array) => a.map((v) => (v !== 0 ? 1 : 0));
  const CASES: [string, number][] = [
    ['csr', 0.7], ['block:4x1', 0.6], ['block:2x2', 0.6], ['2:4', 0.5], ['1:4', 0.75],
    ['gs:16', 0.8], ['gs:16x4', 0.7], ['gs:8:permute', 0.8], ['channel', 0.5],
  ];
  const SCORE_SHAPES: [number, number][] = [[37, 45], [33, 70]];

  // Ranking w by scores = |w2| must keep exactly what magnitude pruning of w2 keeps, with w's values.
  describe.each(CASES)('%s @%s', (pattern, sparsity) => {
    it.each(SCORE_SHAPES)('%ix%i: keeps where prune(w2) keeps, values from w', (rows, cols) => {
      const shape: [number, number] = [rows, cols];
      const w = weightsFor(rows, cols, 'scores-w', pattern);
      const w2 = weightsFor(rows, cols, 'scores-w2', pattern);
      const scores = abs(w2);
      const scoresCopy = scores.slice();
      const p = prune(w, shape, { pattern, sparsity, scores });
      const reference = prune(w2, shape, { pattern, sparsity });
      expect(describeDiff(keptPositions(p), keptPositions(reference), cols)).toBeNull();
      const expected = w.map((v, i) => (reference[i] !== 0 ? v : 0));
      expect(describeDiff(p, expected, cols)).toBeNull();
      // not what magnitude pruning of w keeps (else the checks above could pass with scores ignored)
      expect(describeDiff(keptPositions(p), keptPositions(prune(w, shape, { pattern, sparsity })))).not.toBeNull();
      expect(describeDiff(scores, scoresCopy)).toBeNull(); // scores not modified
      const sm = pack(w, shape, { pattern, sparsity, scores });
      try {
        expect(describeDiff(sm.toDense(), expected, cols)).toBeNull();
      } finally {
        sm.dispose();
      }
    });
  });

  it('hand-worked: w = [4, 3, 2, 1] by scores [1, 2, 3, 4] at 50% keeps the last two', () => {
    const w = Float32Array.from([4, 3, 2, 1]);
    const scores = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(prune(w, [1, 4], { pattern: 'csr', sparsity: 0.5, scores }))).toEqual([0, 0, 2, 1]);
    expect(Array.from(prune(w, [1, 4], { pattern: '2:4', scores }))).toEqual([0, 0, 2, 1]);
    const sm = pack(w, [1, 4], { pattern: 'csr', sparsity: 0.5, scores });
    try {
      expect(Array.from(sm.toDense())).toEqual([0, 0, 2, 1]);
    } finally {
      sm.dispose();
    }
  });

  it('scores = |w| gives magnitude pruning exactly', () => {
    const w = weightsFor(37, 70, 'scores-abs');
    for (const pattern of ['csr', 'block:4x4', '2:4', 'gs:16x4:permute', 'channel']) {
      const sparsity = pattern === '2:4' ? 0.5 : 0.8;
      const byScores = prune(w, [37, 70], { pattern, sparsity, scores: abs(w) });
      expect(describeDiff(byScores, prune(w, [37, 70], { pattern, sparsity })), pattern).toBeNull();
    }
  });

  describe('bad scores', () => {
    const shape: [number, number] = [8, 16];
    const w = weightsFor(8, 16, 'scores-bad');
    const opts = (scores: unknown) => ({ pattern: 'csr', sparsity: 0.5, scores: scores as Float32Array });
    const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

    it.each([
      ['an Array', Array.from({ length: 128 }, () => 1)],
      ['a Float64Array', new Float64Array(128).fill(1)],
      ['null', null],
      ['a number', 1],
    ])('%s is a TypeError naming scores (prune and pack)', (_what, scores) => {
      for (const fn of [() => prune(w, shape, opts(scores)), () => pack(w, shape, opts(scores))]) {
        const e = thrown(fn);
        expect(e).toBeInstanceOf(TypeError);
        expect(message(e)).toMatch(/^scores: expected a Float32Array/);
      }
    });

    it.each([127, 129, 0])('length %i (not 8 x 16) is a RangeError naming scores and both lengths', (length) => {
      const scores = new Float32Array(length);
      for (const fn of [() => prune(w, shape, opts(scores)), () => pack(w, shape, opts(scores))]) {
        const e = thrown(fn);
        expect(e).toBeInstanceOf(RangeError);
        expect(message(e)).toMatch(/^scores: expected length 128 /);
        expect(message(e)).toContain(`got ${length}`);
      }
    });

    it.each([
      ['NaN', NaN, 'NaN'],
      ['negative', -0.5, '-0.5'],
      ['tiny negative', -1e-30, '-1e-30'],
      ['Infinity', Infinity, 'Infinity'],
      ['-Infinity', -Infinity, '-Infinity'],
    ])('%s is a RangeError naming the first bad index', (_what, bad, shown) => {
      const scores = new Float32Array(128).fill(1);
      scores[37] = bad;
      scores[90] = bad;
      for (const pattern of ['csr', 'gs:16', 'channel', '2:4']) {
        const e = thrown(() => prune(w, shape, { pattern, sparsity: 0.5, scores }));
        expect(e, pattern).toBeInstanceOf(RangeError);
        expect(message(e), pattern).toBe(`scores[37]: expected a finite value >= 0, got ${shown}`);
      }
      expect(thrown(() => pack(w, shape, { pattern: 'gs:16', sparsity: 0.5, scores }))).toBeInstanceOf(RangeError);
    });

    it('zeros (and -0) are valid scores: ties go to the lower index', () => {
      const scores = new Float32Array(128);
      scores[5] = -0;
      const p = prune(w, shape, { pattern: 'csr', sparsity: 0.5, scores });
      expect(describeDiff(p, w.map((v, i) => (i < 64 ? v : 0)))).toBeNull();
    });

    it('pack without sparsity with scores is a RangeError (nothing is pruned)', () => {
      const scores = abs(w);
      for (const pattern of ['dense', 'csr', '2:4']) {
        const e = thrown(() => pack(w, shape, { pattern, scores }));
        expect(e, pattern).toBeInstanceOf(RangeError);
        expect(message(e)).toMatch(/^scores: /);
      }
    });
  });
});
