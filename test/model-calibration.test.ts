// Calibration: activations read from onnxruntime against a plain-loop reference of the same graph; the output
// error and Wanda scores against hand-worked cases and direct float64 computations.
import { describe, expect, it } from 'vitest';

import { Tensor } from '../lib/index.js';
import { collectActivations, OutputErrorProbe, wandaScores } from '../lib/model/calibration.js';

/** One-off output error of wp against w on the sample. */
function outputError(sample: Float32Array, sampleRows: number, cols: number, w: Float32Array, wp: Float32Array, rows: number): number {
  return new OutputErrorProbe(sample, sampleRows, cols, w, rows).error(wp);
}
import { decodeModel } from '../lib/model/onnx-io.js';
import { randn } from './helpers/reference.js';
import { buildModel, floatInit, INT64, node, value } from './helpers/onnx-build.js';
import { rejected } from './helpers/util.js';

const K = 16;
const H = 12;
const N = 8;
const B1 = randn(K * H, 11);
const B2 = randn(H * N, 12);

/** X[2,3,K] -> MatMul(B1) -> h -> Relu -> r -> MatMul(B2) -> Y; r is also an output when asked. */
function model(rIsOutput: boolean) {
  return decodeModel(buildModel({
    nodes: [node('MatMul', ['X', 'B1'], ['h']), node('Relu', ['h'], ['r']), node('MatMul', ['r', 'B2'], ['Y'])],
    inputs: [value('X', [2, 3, K])],
    outputs: [value('Y', [2, 3, N]), ...(rIsOutput ? [value('r', [2, 3, H])] : [])],
    initializers: [floatInit('B1', [K, H], B1), floatInit('B2', [H, N], B2)],
  }));
}

const XS = [0, 1, 2].map((k) => randn(2 * 3 * K, 100 + k));
const feeds = () => XS.map((x) => ({ X: new Tensor('float32', x, [2, 3, K]) }));

/** relu(X B1) in float64 with plain loops: the rows of r for one feed. */
function reluRows(x: Float32Array): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < 6; i++) {
    const row: number[] = [];
    for (let c = 0; c < H; c++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (x[i * K + k] as number) * (B1[k * H + c] as number);
      row.push(Math.max(0, s));
    }
    out.push(row);
  }
  return out;
}

const X_ROWS = XS.flatMap((x) => Array.from({ length: 6 }, (_, i) => Array.from(x.subarray(i * K, (i + 1) * K))));
const R_ROWS = XS.flatMap(reluRows);

function colSqNorm(rows: number[][], cols: number): number[] {
  const out = new Array<number>(cols).fill(0);
  for (const row of rows) row.forEach((v, j) => (out[j] = (out[j] as number) + v * v));
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1e-30, ...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++) expect(Math.abs((actual[i] as number) - (expected[i] as number)) / scale).toBeLessThan(tol);
}

describe('collectActivations', () => {
  for (const rIsOutput of [false, true]) {
    it(`reads both MatMul inputs over 3 feeds${rIsOutput ? ' (r also a graph output)' : ''}`, async () => {
      const acts = await collectActivations(model(rIsOutput), [{ name: 'X', cols: K }, { name: 'r', cols: H }], feeds());
      for (const [name, cols, rows] of [['X', K, X_ROWS], ['r', H, R_ROWS]] as const) {
        const a = acts.get(name);
        expect(a, name).toBeDefined();
        if (!a) continue;
        expect(a.rows).toBe(3 * 2 * 3);
        expectClose(a.colSqNorm, colSqNorm(rows, cols));
        // 18 rows < 512: the sample is every row, in feed order.
        expect(a.sampleRows).toBe(18);
        expectClose(a.sample, rows.flat());
      }
    });
  }

  it('samples evenly strided actual rows when there are more than maxSampleRows', async () => {
    const acts = await collectActivations(model(false), [{ name: 'r', cols: H }], feeds(), { maxSampleRows: 4 });
    const a = acts.get('r');
    // 18 rows, at most 4 kept: the stride doubles to 8, keeping rows 0, 8 and 16 (across all three feeds).
    expect(a?.sampleRows).toBe(3);
    expectClose(a?.sample ?? [], [0, 8, 16].flatMap((i) => R_ROWS[i] as number[]));
    expect(a?.rows).toBe(18);
    expectClose(a?.colSqNorm ?? [], colSqNorm(R_ROWS, H));
    const five = (await collectActivations(model(false), [{ name: 'X', cols: K }], feeds(), { maxSampleRows: 5 })).get('X');
    // max 5: rows 0..4, then stride 2 keeps 0, 2, 4, 6, 8, then stride 4 keeps 0, 4, 8, 12, 16.
    expect(five?.sampleRows).toBe(5);
    expectClose(five?.sample ?? [], [0, 4, 8, 12, 16].flatMap((i) => X_ROWS[i] as number[]));
  });

  it('errors name the feed input or the value that does not fit', async () => {
    const bad = [...feeds(), { Z: new Tensor('float32', XS[0] as Float32Array, [2, 3, K]) }];
    const e1 = await rejected(collectActivations(model(false), [{ name: 'r', cols: H }], bad as never));
    expect(e1).toBeInstanceOf(RangeError);
    expect(String(e1)).toMatch(/feeds\[3\].*'Z'/);
    const shape = [{ X: new Tensor('float32', new Float32Array(3 * K), [3, K]) }];
    expect(String(await rejected(collectActivations(model(false), [{ name: 'r', cols: H }], shape)))).toMatch(/input 'X'.*shape/);
    const cols = await rejected(collectActivations(model(false), [{ name: 'r', cols: H + 1 }], feeds()));
    expect(cols).toBeInstanceOf(RangeError);
    expect(String(cols)).toMatch(/'r'.*last dim to be 13/);
    expect(String(await rejected(collectActivations(model(false), [{ name: 'nope', cols: H }], feeds())))).toMatch(/'nope' is not a value/);
  });

  it('a value that is not float32 is named, declared or not', async () => {
    const shapeModel = (declared: boolean) => decodeModel(buildModel({
      nodes: [node('Shape', ['X'], ['s']), node('Relu', ['X'], ['Y'])],
      inputs: [value('X', [2, 4])],
      outputs: [value('Y', [2, 4]), ...(declared ? [value('s', [2], INT64)] : [])],
    }));
    const f = [{ X: new Tensor('float32', new Float32Array(8), [2, 4]) }];
    const declared = await rejected(collectActivations(shapeModel(true), [{ name: 's', cols: 2 }], f));
    expect(declared).toBeInstanceOf(TypeError);
    expect(String(declared)).toMatch(/value 's' is int64; expected float32/);
    expect(String(await rejected(collectActivations(shapeModel(false), [{ name: 's', cols: 2 }], f)))).toMatch(/'s' as float outputs/);
  });
});

describe('outputError', () => {
  it('hand-worked 1 x 2 case', () => {
    // x = [1, 2], W = [3, 4] -> y = 11; Wp = [3, 0] -> 3; error |11 - 3| / 11.
    expect(outputError(Float32Array.of(1, 2), 1, 2, Float32Array.of(3, 4), Float32Array.of(3, 0), 1)).toBeCloseTo(8 / 11, 6);
  });

  it('equals a direct float64 computation on random data', () => {
    const [n, cols, rows] = [70, 37, 9]; // partial SIMD tiles: cols not a multiple of 16
    const x = randn(n * cols, 1);
    const w = randn(rows * cols, 2);
    const wp = w.map((v, i) => ((i * 7) % 3 === 0 ? 0 : v));
    let num = 0;
    let den = 0;
    for (let s = 0; s < n; s++)
      for (let r = 0; r < rows; r++) {
        let y = 0;
        let yp = 0;
        for (let j = 0; j < cols; j++) {
          y += (x[s * cols + j] as number) * (w[r * cols + j] as number);
          yp += (x[s * cols + j] as number) * (wp[r * cols + j] as number);
        }
        num += (y - yp) ** 2;
        den += y * y;
      }
    const direct = Math.sqrt(num / den);
    expect(direct).toBeGreaterThan(0.1);
    expect(Math.abs(outputError(x, n, cols, w, wp, rows) - direct)).toBeLessThan(1e-5 * direct); // float32 products
  });

  it('is 0 for unpruned weights and for all-zero outputs', () => {
    const x = randn(5 * 6, 3);
    const w = randn(4 * 6, 4);
    expect(outputError(x, 5, 6, w, w.slice(), 4)).toBe(0);
    expect(outputError(new Float32Array(30), 5, 6, w, w.slice(), 4)).toBe(0);
    expect(outputError(x, 5, 6, new Float32Array(24), w, 4)).toBe(Infinity);
    expect(() => outputError(x, 5, 6, w, new Float32Array(23), 4)).toThrow(RangeError);
  });
});

describe('wandaScores', () => {
  it('is |W_ij| * sqrt(colSqNorm_j), hand-worked', () => {
    const s = wandaScores(Float32Array.of(1, -2, -3, 4), 2, 2, Float64Array.of(4, 9));
    expect(Array.from(s)).toEqual([2, 6, 6, 12]);
    expect(() => wandaScores(Float32Array.of(1, 2), 1, 2, Float64Array.of(1))).toThrow(RangeError);
  });
});
