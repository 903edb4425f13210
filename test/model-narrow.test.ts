// narrowModel(): a chain's all-zero hidden units (as channel pruning leaves them) removed from the producer's rows
// and the consumers' columns, their constant outputs folded into the consumers' biases: onnxruntime on the narrowed
// model equals onnxruntime on the zeroed original, with smaller initializers.
import { describe, expect, it } from 'vitest';

import { modelChains } from '../lib/model/hidden-chains.js';
import { narrowModel } from '../lib/model/narrow.js';
import { decodeModel, encodeModel } from '../lib/model/onnx-io.js';
import type { ModelProto, ValueInfoProto } from '../lib/model/onnx-types.js';
import { reindexHidden } from '../lib/model/reindex-hidden.js';
import { erfGeluNodes, expectSameOutputs, feedsFor, init, scalar, w } from './helpers/hidden-units.js';
import { buildModel, floatInit, type GraphSpec, node, value } from './helpers/onnx-build.js';

const K = 16;

/** The initializer `name` of spec with the given units zeroed along axis (0: rows, 1: columns of a 2-D B). */
function zeroUnits(spec: GraphSpec, name: string, axis: 0 | 1, units: number[]): void {
  const t = spec.initializers?.find((i) => i.name === name);
  const [d0, d1] = (t?.dims ?? []).map(Number) as [number, number];
  const data = new Float32Array(new Uint8Array(t?.rawData ?? []).buffer);
  for (let i = 0; i < d0; i++) for (let j = 0; j < d1; j++) if (units.includes(axis === 0 ? i : j)) data[i * d1 + j] = 0;
  Object.assign(t ?? {}, floatInit(name, [d0, d1], data));
}

/** Sets single values of a 1-D initializer. */
function setValues(spec: GraphSpec, name: string, values: Record<number, number>): void {
  const t = spec.initializers?.find((i) => i.name === name);
  const data = new Float32Array(new Uint8Array(t?.rawData ?? []).buffer);
  for (const [k, v] of Object.entries(values)) data[Number(k)] = v;
  Object.assign(t ?? {}, floatInit(name, [data.length], data));
}

function narrowOf(bytes: Uint8Array, valueInfo?: ValueInfoProto[]) {
  const proto = decodeModel(bytes);
  if (valueInfo && proto.graph) proto.graph.valueInfo = valueInfo;
  const before = encodeModel(proto);
  const result = narrowModel(proto);
  expect(encodeModel(proto)).toEqual(before); // the input is never mutated
  return { proto, ...result };
}

const ops = (m: ModelProto) => (m.graph?.node ?? []).map((n) => n.opType);

describe('narrowModel', () => {
  it('Relu chain (dropped biases > 0 and < 0) into a MatMul without bias (Add inserted), then Mul/Add vectors + erf-GELU into a Gemm', async () => {
    // X -> fc1 MatMul + b1 + Relu -> fc2 MatMul (no bias) -> Mul scale2 -> Add shift2 -> erf-GELU -> fc3 Gemm(transB = 1, C3) -> Y
    const gelu = erfGeluNodes('a2', 'g2');
    const spec: GraphSpec = {
      nodes: [
        node('MatMul', ['X', 'B1'], ['m1'], {}, 'fc1'), node('Add', ['m1', 'b1'], ['h1']), node('Relu', ['h1'], ['r1']),
        node('MatMul', ['r1', 'B2'], ['m2'], {}, 'fc2'), node('Mul', ['m2', 'scale2'], ['s2']), node('Add', ['s2', 'shift2'], ['a2']),
        ...gelu.nodes, node('Gemm', ['g2', 'B3', 'C3'], ['Y'], { transB: 1 }, 'fc3'),
      ],
      inputs: [value('X', ['batch', K])], outputs: [value('Y', ['batch', 12])],
      initializers: [w('B1', [K, 24]), w('b1', [24]), w('B2', [24, 20]), w('scale2', [20]), w('shift2', [20]), w('B3', [12, 20]), w('C3', [12]),
        ...gelu.inits],
    };
    zeroUnits(spec, 'B1', 1, [2, 5, 9]); // fc1 rows = B1 columns
    setValues(spec, 'b1', { 2: 0.7, 5: -0.3, 9: 1.1 }); // through Relu: 0.7, 0, 1.1 -> folded into fc2's new bias
    zeroUnits(spec, 'B2', 1, [1, 4]); // fc2 rows: their constant GELU((bias) * scale2 + shift2) -> C3
    setValues(spec, 'shift2', { 1: 0.8, 4: -0.5 });
    const bytes = buildModel(spec);
    const valueInfo = [
      { name: 'r1', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 24 }] } } } },
      { name: 'g2', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 20 }] } } } },
      { name: 's2', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'units' }] } } } },
    ];
    const { model, layers } = narrowOf(bytes, valueInfo);
    expect(layers).toEqual([
      { name: 'fc1', rows: 24, keptRows: 21 },
      { name: 'fc2', rows: 20, keptRows: 18 },
      { name: 'fc3', rows: 12, keptRows: 12, blocked: "output 'Y' is a graph output" },
    ]);
    await expectSameOutputs(bytes, model, feedsFor({ X: [6, K] }, 'narrow mlp'));
    const dims = Object.fromEntries(['B1', 'b1', 'B2', 'scale2', 'shift2', 'B3', 'C3', 'fc2.bias'].map((n) => [n, init(model, n).dims]));
    expect(dims).toEqual({ B1: [K, 21], b1: [21], B2: [21, 18], scale2: [18], shift2: [18], B3: [12, 18], C3: [12], 'fc2.bias': [18] });
    // fc2 had no bias: MatMul -> m2.unbiased -> Add(fc2.bias) -> m2.
    expect(ops(model).slice(0, 6)).toEqual(['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Mul']);
    expect(model.graph?.node?.[4]?.input).toEqual(['m2.unbiased', 'fc2.bias']);
    expect(model.graph?.node?.[4]?.output).toEqual(['m2']);
    // value_info follows the narrower units; a shape with an unknown unit count is dropped.
    const vi = (model.graph?.valueInfo ?? []).map((v) => [v.name, v.type?.tensorType?.shape?.dim?.map((d) => d.dimValue ?? d.dimParam)]);
    expect(vi).toEqual([['r1', ['batch', 21]], ['g2', ['batch', 18]]]);
    // Nothing left to narrow.
    expect(narrowModel(model).layers.map((l) => l.keptRows)).toEqual([21, 18, 12]);
  });

  it('Gemm (transB = 1, C) + erf-GELU into a MatMul without bias, a Gemm with a scalar C and beta, a Gemm without C', async () => {
    const gelu = erfGeluNodes('m', 'g');
    const spec: GraphSpec = {
      nodes: [
        node('Gemm', ['X', 'B1', 'C1'], ['m'], { transB: 1 }, 'fc1'), ...gelu.nodes,
        node('MatMul', ['g', 'B2'], ['Y1'], {}, 'head1'), node('Gemm', ['g', 'B3', 'C3'], ['Y2'], { beta: 0.5 }, 'head2'),
        node('Gemm', ['g', 'B4'], ['Y3'], { transB: 1, alpha: 2 }, 'head3'),
      ],
      inputs: [value('X', [5, K])], outputs: [value('Y1', [5, 10]), value('Y2', [5, 8]), value('Y3', [5, 6])],
      initializers: [w('B1', [24, K]), w('C1', [24]), w('B2', [24, 10]), w('B3', [24, 8]), scalar('C3', 0.25), w('B4', [6, 24]), ...gelu.inits],
    };
    zeroUnits(spec, 'B1', 0, [0, 7, 13]);
    setValues(spec, 'C1', { 0: 1.3, 7: -0.6, 13: 0 });
    const bytes = buildModel(spec);
    const { model, layers } = narrowOf(bytes);
    expect(layers.find((l) => l.name === 'fc1')).toEqual({ name: 'fc1', rows: 24, keptRows: 21 });
    await expectSameOutputs(bytes, model, feedsFor({ X: [5, K] }, 'narrow gemm'));
    const dims = Object.fromEntries(['B1', 'C1', 'B2', 'B3', 'C3', 'head1.bias', 'B4', 'head3.bias'].map((n) => [n, init(model, n).dims]));
    expect(dims).toEqual({ B1: [21, K], C1: [21], B2: [21, 10], B3: [21, 8], C3: [8], 'head1.bias': [10], B4: [6, 21], 'head3.bias': [6] });
    expect(model.graph?.node?.find((n) => n.name === 'head3')?.input).toEqual(['g', 'B4', 'head3.bias']);
  });

  it('a ReLU chain whose rows are all zero keeps one unit; the consumer bias takes the rest', async () => {
    const spec: GraphSpec = {
      nodes: [node('MatMul', ['X', 'B1'], ['m1'], {}, 'fc1'), node('Add', ['m1', 'b1'], ['h1']), node('Relu', ['h1'], ['r1']),
        node('MatMul', ['r1', 'B2'], ['m2'], {}, 'fc2'), node('Add', ['m2', 'b2'], ['Y'])],
      inputs: [value('X', [3, K])], outputs: [value('Y', [3, 6])],
      initializers: [floatInit('B1', [K, 8], new Float32Array(K * 8)), w('b1', [8]), w('B2', [8, 6]), w('b2', [6])],
    };
    const bytes = buildModel(spec);
    const { model, layers } = narrowOf(bytes);
    expect(layers[0]).toEqual({ name: 'fc1', rows: 8, keptRows: 1 });
    expect([init(model, 'B1').dims, init(model, 'b1').dims, init(model, 'B2').dims, init(model, 'b2').dims]).toEqual([[K, 1], [1], [1, 6], [6]]);
    await expectSameOutputs(bytes, model, feedsFor({ X: [3, K] }, 'all zero'));
  });

  it('blocked chains are left as they are, and reported', async () => {
    const spec: GraphSpec = {
      nodes: [node('MatMul', ['X', 'B1'], ['m1'], {}, 'fc1'), node('Relu', ['m1'], ['r1']), node('Add', ['r1', 'X'], ['z']),
        node('MatMul', ['z', 'B2'], ['Y'], {}, 'fc2')],
      inputs: [value('X', [2, K])], outputs: [value('Y', [2, 10])],
      initializers: [w('B1', [K, K]), w('B2', [K, 10])],
    };
    zeroUnits(spec, 'B1', 1, [3, 4]);
    const bytes = buildModel(spec);
    const { proto, model, layers } = narrowOf(bytes);
    expect(layers[0]).toMatchObject({ name: 'fc1', rows: K, keptRows: K });
    expect(layers[0]?.blocked).toMatch(/not a constant/);
    expect(encodeModel(model)).toEqual(encodeModel(proto));
  });

  it('reindexHidden refuses to drop a unit whose weight row is not zero, and a keep that is not a set of units', () => {
    const spec: GraphSpec = {
      nodes: [node('MatMul', ['X', 'B1'], ['m1'], {}, 'fc1'), node('Relu', ['m1'], ['r1']), node('MatMul', ['r1', 'B2'], ['Y'], {}, 'fc2')],
      inputs: [value('X', [2, K])], outputs: [value('Y', [2, 10])],
      initializers: [w('B1', [K, 8]), w('B2', [8, 10])],
    };
    const { index, chains } = modelChains(decodeModel(buildModel(spec)));
    const proto = decodeModel(buildModel(spec));
    const chain = chains[0];
    if (!chain) throw new Error('no chain');
    expect(() => reindexHidden(proto, index, chain, Int32Array.of(0, 1, 2))).toThrow(/unit 3 of 'fc1' is dropped but its weight row holds/);
    expect(() => reindexHidden(proto, index, chain, Int32Array.of(0, 0))).toThrow(RangeError);
    expect(() => reindexHidden(proto, index, chain, new Int32Array(0))).toThrow(RangeError);
    expect(() => reindexHidden(proto, index, chain, Int32Array.of(8))).toThrow(RangeError);
  });
});
