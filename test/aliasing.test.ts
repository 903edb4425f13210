// `out` that shares memory with `x` or `bias` would make a kernel read its own partial output: a
// RangeError, never a silently wrong result (issue 10, point 5). Memory is what counts, not the
// array object: subarrays of one buffer overlap when their byte ranges do.
import { describe, expect, it } from 'vitest';
import { pack } from '../lib/index.js';
import { matmulRef, randn, scaledErr } from './helpers/reference.js';
import { weightsFor } from './helpers/util.js';

const N = 48; // square, so `out` can have x's length
const BATCH = 3;
const PATTERNS = ['csr', 'gs:16', '2:4', 'block:4x1', 'dense', 'channel'];

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe.each(PATTERNS)('%s: out overlapping an input', (pattern) => {
  const sm = pack(weightsFor(N, N, 'alias', pattern), [N, N], pattern === 'dense' ? { pattern } : { pattern, sparsity: 0.75 });

  it('out === x is a RangeError (sync and async), and x is left untouched', async () => {
    const x = randn(BATCH * N, 1);
    const before = Float32Array.from(x);
    const e = thrown(() => sm.matmul(x, BATCH, { out: x }));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/out: .*overlaps/);
    await expect(sm.matmulAsync(x, BATCH, { out: x })).rejects.toBeInstanceOf(RangeError);
    expect(x).toEqual(before);
  });

  it('out and x partly overlapping in one buffer is a RangeError', async () => {
    const buf = randn(BATCH * N + 5, 2);
    const x = buf.subarray(0, BATCH * N);
    const out = buf.subarray(5, 5 + BATCH * N);
    expect(thrown(() => sm.matmul(x, BATCH, { out }))).toBeInstanceOf(RangeError);
    await expect(sm.matmulAsync(x, BATCH, { out })).rejects.toBeInstanceOf(RangeError);
    // one element of overlap is enough
    const buf2 = randn(2 * BATCH * N - 1, 3);
    expect(thrown(() => sm.matmul(buf2.subarray(0, BATCH * N), BATCH, { out: buf2.subarray(BATCH * N - 1) }))).toBeInstanceOf(RangeError);
  });

  it('out overlapping bias is a RangeError', async () => {
    const x = randn(BATCH * N, 4);
    const out = randn(BATCH * N, 5);
    const bias = out.subarray(N, 2 * N);
    expect(thrown(() => sm.matmul(x, BATCH, { out, bias }))).toBeInstanceOf(RangeError);
    await expect(sm.matmulAsync(x, BATCH, { out, bias })).rejects.toBeInstanceOf(RangeError);
  });

  it('disjoint ranges of one buffer are fine and give the right numbers', async () => {
    const buf = randn(2 * BATCH * N + N, 6);
    const x = buf.subarray(0, BATCH * N);
    const bias = buf.subarray(BATCH * N, BATCH * N + N);
    const out = buf.subarray(BATCH * N + N);
    const expected = matmulRef(sm.toDense(), N, N, Float32Array.from(x), BATCH, Float32Array.from(bias));
    expect(sm.matmul(x, BATCH, { out, bias })).toBe(out);
    expect(scaledErr(out, expected).maxErr).toBeLessThanOrEqual(1e-5);
    out.fill(Number.NaN);
    expect(await sm.matmulAsync(x, BATCH, { out, bias })).toBe(out);
    expect(scaledErr(out, expected).maxErr).toBeLessThanOrEqual(1e-5);
  });
});
