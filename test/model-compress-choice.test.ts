// compress() beyond one fixed pattern: per-layer choice among candidates timed here, activation-aware pruning
// with calibration feeds, hidden-unit permutations folded into neighbours, channel narrowing. Every compressed
// model must still equal onnxruntime running its `pruned` twin, and `pruned` must equal the original model's
// function up to the pruning (permutations alone change nothing).
import { describe, expect, it } from 'vitest';

import { compress, InferenceSession, Tensor } from '../lib/index.js';
import { decodeModel } from '../lib/model/onnx-io.js';
import { w as weights } from './helpers/hidden-units.js';
import { buildModel, floatInit, node, ort, relErr, runOrt, value } from './helpers/onnx-build.js';
import { randn } from './helpers/reference.js';
import { seedOf } from './helpers/util.js';

const IN = 96;
const HIDDEN = 128;
const OUT = 32;
const ROWS = 8;

/** Input scales spanning 3 orders of magnitude, a few dead inputs: what real features look like. */
function scales(): Float32Array {
  const s = new Float32Array(IN);
  for (let j = 0; j < IN; j++) s[j] = j % 11 === 0 ? 0 : 10 ** (((j * 37) % IN) / IN * 3 - 1.5);
  return s;
}

/** X [rows, IN] with the feature scales above. */
function input(rows: number, label: string): Float32Array {
  const x = randn(rows * IN, seedOf('choice-x', label));
  const s = scales();
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * (s[i % IN] as number);
  return x;
}

/** X -> MatMul(B1) + b1 -> Relu -> MatMul(B2) + b2 -> Gelu(erf) ... -> Gemm(transB) -> Y: PyTorch's MLP layout. */
function mlp(): Uint8Array {
  const rowScale = (dims: number[], name: string) => {
    // Unequal neuron strength: output unit u's weights scaled by a factor in [0.1, 3].
    const t = weights(name, dims, 0.1);
    const data = new Float32Array(new Uint8Array(t.rawData as Uint8Array).slice().buffer);
    const out = dims[1] as number;
    for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) * (0.1 + 2.9 * (((i % out) * 7919) % out) / out);
    return floatInit(name, dims, data);
  };
  return buildModel({
    nodes: [
      node('MatMul', ['X', 'B1'], ['h1'], {}, 'fc1'), node('Add', ['h1', 'b1'], ['a1']), node('Relu', ['a1'], ['r1']),
      node('MatMul', ['r1', 'B2'], ['h2'], {}, 'fc2'), node('Add', ['h2', 'b2'], ['a2']), node('Relu', ['a2'], ['r2']),
      node('Gemm', ['r2', 'B3', 'b3'], ['Y'], { transB: 1 }, 'fc3'),
    ],
    inputs: [value('X', ['n', IN])],
    outputs: [value('Y', ['n', OUT])],
    initializers: [rowScale([IN, HIDDEN], 'B1'), weights('b1', [HIDDEN], 0.1), rowScale([HIDDEN, HIDDEN], 'B2'),
      weights('b2', [HIDDEN], 0.1), weights('B3', [OUT, HIDDEN], 0.1), weights('b3', [OUT], 0.1)],
  });
}

/** gsparse's session on `model` vs onnxruntime on `pruned` (rel err), and pruned vs the original (rel err). */
async function check(model: Uint8Array, pruned: Uint8Array, original: Uint8Array): Promise<{ vsPruned: number; vsOriginal: number }> {
  const x = input(ROWS, 'check');
  const session = await InferenceSession.create(model);
  try {
    const got = (await session.run({ X: new Tensor('float32', x, [ROWS, IN]) })).Y?.data as Float32Array;
    const feeds = { X: new ort.Tensor('float32', x, [ROWS, IN]) };
    const want = (await runOrt(pruned, feeds)).Y?.data as Float32Array;
    const dense = (await runOrt(original, feeds)).Y?.data as Float32Array;
    return { vsPruned: relErr(got, want), vsOriginal: relErr(want, dense) };
  } finally {
    await session.release();
  }
}

const calibration = [0, 1, 2].map((k) => ({ X: new Tensor('float32', input(64, `cal${k}`), [64, IN]) }));

describe('compress: per-layer choice among candidates', () => {
  it("'auto' picks per layer, says why, and the model equals onnxruntime on pruned", async () => {
    const original = mlp();
    const r = await compress(original, { sparsity: 0.9, batch: 16 });
    const layers = r.layers.filter((l) => l.skipped === undefined);
    expect(layers.map((l) => l.name)).toEqual(['fc1', 'fc2', 'fc3']);
    for (const l of layers) {
      expect(l.why, l.name).toMatch(/dense|fastest|quality/);
      expect(l.speedup, l.name).toBeGreaterThan(0);
      if (l.pattern !== 'dense') {
        expect(l.retained, l.name).toBeGreaterThanOrEqual(0.97); // the quality bound holds for every pick
        expect(l.speedup, l.name).toBeGreaterThan(1);
      }
    }
    const { vsPruned } = await check(r.model, r.pruned, original);
    expect(vsPruned).toBeLessThanOrEqual(1e-4);
  });

  it('a candidate that cannot keep quality is never picked (minRetained 0.999 leaves channel out)', async () => {
    const r = await compress(mlp(), { sparsity: 0.9, patterns: ['channel', 'csr'], minRetained: 0.999 });
    for (const l of r.layers.filter((x) => x.skipped === undefined)) expect(l.pattern).not.toBe('channel');
  });

  it('bad options are typed errors', async () => {
    const m = mlp();
    await expect(compress(m, { sparsity: 0.9, batch: 0 })).rejects.toThrow(RangeError);
    await expect(compress(m, { sparsity: 0.9, minRetained: 2 })).rejects.toThrow(/minRetained/);
    await expect(compress(m, { sparsity: 0.9, patterns: [] })).rejects.toThrow(TypeError);
    await expect(compress(m, { sparsity: 0.9, calibration: [] })).rejects.toThrow(/calibration/);
    await expect(compress(m, { sparsity: 0.9, calibration: [{ Z: calibration[0]?.X as Tensor }] })).rejects.toThrow(/'Z'/);
  });
});

describe('compress: activation-aware pruning with calibration feeds', () => {
  it.each(['csr', 'gs:16', 'block:4x1', '2:4'])('%s: output error no worse than magnitude pruning, model equals pruned', async (pattern) => {
    const original = mlp();
    const r = await compress(original, { sparsity: 0.75, patterns: [pattern], calibration });
    for (const l of r.layers.filter((x) => x.skipped === undefined)) {
      expect(l.outputError, l.name).toBeGreaterThanOrEqual(0);
      expect(l.magnitudeOutputError, l.name).toBeGreaterThan(0);
      expect(l.outputError as number, `${l.name} ${pattern}`).toBeLessThanOrEqual((l.magnitudeOutputError as number) * 1.02);
    }
    // fc1 sees the heavy-tailed inputs: there, weighting by ||X_j|| must clearly win.
    const fc1 = r.layers.find((l) => l.name === 'fc1');
    expect(fc1?.outputError as number).toBeLessThan((fc1?.magnitudeOutputError as number) * 0.8);
    const { vsPruned } = await check(r.model, r.pruned, original);
    expect(vsPruned).toBeLessThanOrEqual(1e-4);
  });
});

describe('compress: permutations folded into neighbouring layers', () => {
  it('gs: fc1 -> fc2 -> fc3 get their hidden units reordered; the model still equals pruned', async () => {
    const original = mlp();
    const r = await compress(original, { sparsity: 0.75, patterns: ['gs:16'] });
    const byName = new Map(r.layers.map((l) => [l.name, l]));
    expect(byName.get('fc1')?.permutation).toMatch(/rows grouped by strength.*fc2/);
    expect(byName.get('fc2')?.permutation).toMatch(/cols dealt across banks.*fc1/);
    expect(byName.get('fc3')?.permutation).toMatch(/rows not permuted: output 'Y' is a graph output/);
    const { vsPruned } = await check(r.model, r.pruned, original);
    expect(vsPruned).toBeLessThanOrEqual(1e-4);
    // pruned's B1 is B1 with its columns reordered (and pruned): its column norms are a permutation of B1's.
    const b1 = decodeModel(r.pruned).graph?.initializer?.find((t) => t.name === 'B1');
    expect(b1).toBeDefined();
  });

  it('permute: false keeps the original order', async () => {
    const r = await compress(mlp(), { sparsity: 0.75, patterns: ['gs:16'], permute: false });
    expect(r.layers.every((l) => l.permutation === undefined)).toBe(true);
  });

  it('permutation alone changes nothing: with 4:4 (every weight kept) pruned and model equal the original', async () => {
    const original = mlp();
    const r = await compress(original, { sparsity: 0, patterns: ['4:4'] });
    expect(r.layers.find((l) => l.name === 'fc1')?.permutation).toMatch(/rows grouped/);
    const { vsOriginal } = await check(r.model, r.pruned, original);
    // 4:4 keeps every weight: pruned is the original up to the folded permutation, and so is the packed model.
    expect(r.layers.every((l) => l.skipped !== undefined || l.sparsity === 0)).toBe(true);
    expect(vsOriginal).toBeLessThanOrEqual(1e-5);
  });
});

describe('compress: channel pattern gives a narrowed model', () => {
  it('narrowed equals pruned, with fc1 / fc2 genuinely narrower', async () => {
    const original = mlp();
    const r = await compress(original, { sparsity: 0.5, patterns: ['channel'] });
    expect(r.narrowed).toBeInstanceOf(Uint8Array);
    const narrowed = r.narrowed as Uint8Array;
    const x = new ort.Tensor('float32', input(ROWS, 'narrow'), [ROWS, IN]);
    const want = (await runOrt(r.pruned, { X: x })).Y?.data as Float32Array;
    const got = (await runOrt(narrowed, { X: x })).Y?.data as Float32Array;
    expect(relErr(got, want)).toBeLessThanOrEqual(1e-5);
    const dims = (name: string) => decodeModel(narrowed).graph?.initializer?.find((t) => t.name === name)?.dims?.map(Number);
    expect(dims('B1')).toEqual([IN, HIDDEN / 2]);
    expect(dims('B2')?.[0]).toBe(HIDDEN / 2);
    expect(narrowed.length).toBeLessThan(r.pruned.length * 0.75);
  });
});
