// permuteModel(): each hidden-unit chain's units reordered by strength in the producer's rows and the consumers'
// columns leaves the model's outputs unchanged (onnxruntime on the original vs the permuted model); forms that
// block are reported and left as they are.
import { describe, expect, it } from 'vitest';

import { modelChains } from '../lib/model/hidden-chains.js';
import { decodeModel, encodeModel } from '../lib/model/onnx-io.js';
import type { ModelProto } from '../lib/model/onnx-types.js';
import { dealtOrder, permuteModel, strengthOrder } from '../lib/model/permute-hidden.js';
import { erfGeluNodes, expectSameOutputs, feedsFor, init, scalar, w } from './helpers/hidden-units.js';
import { buildModel, type GraphSpec, node, value } from './helpers/onnx-build.js';

const K = 16;
const H = 24;

/** The permutation p with after[.., k] = before[.., p[k]] along a unit axis of an [outer, units, inner] tensor. */
function recoverPerm(before: Float32Array, after: Float32Array, outer: number, units: number, inner: number): number[] {
  const slice = (a: Float32Array, u: number) => {
    const out: number[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out.push(a[(o * units + u) * inner + i] as number);
    return out.join();
  };
  const index = new Map(Array.from({ length: units }, (_, u) => [slice(before, u), u]));
  return Array.from({ length: units }, (_, k) => index.get(slice(after, k)) ?? -1);
}

function permuteOf(bytes: Uint8Array, opts?: Parameters<typeof permuteModel>[1]) {
  const proto = decodeModel(bytes);
  const before = encodeModel(proto);
  const result = permuteModel(proto, opts);
  expect(encodeModel(proto)).toEqual(before); // the input is never mutated
  return { proto, ...result };
}

// X -> fc1 MatMul + Add + Relu -> fc2 MatMul + Add + erf-GELU -> fc3 Gemm(transB = 1) -> Y
const gelu = erfGeluNodes('h2', 'g2');
const MLP: GraphSpec = {
  nodes: [
    node('MatMul', ['X', 'B1'], ['m1'], {}, 'fc1'), node('Add', ['m1', 'b1'], ['h1']), node('Relu', ['h1'], ['r1']),
    node('MatMul', ['r1', 'B2'], ['m2'], {}, 'fc2'), node('Add', ['m2', 'b2'], ['h2']), ...gelu.nodes,
    node('Gemm', ['g2', 'B3', 'C3'], ['Y'], { transB: 1 }, 'fc3'),
  ],
  inputs: [value('X', ['batch', K])], outputs: [value('Y', ['batch', 12])],
  initializers: [w('B1', [K, H]), w('b1', [H]), w('B2', [H, 20]), w('b2', [20]), w('B3', [12, 20]), w('C3', [12]), ...gelu.inits],
};

describe('permuteModel: outputs unchanged', () => {
  it('MLP MatMul+Add+Relu -> MatMul+Add+erf-GELU -> Gemm(transB=1): both chains permuted, weights moved consistently', async () => {
    const bytes = buildModel(MLP);
    const { proto, model, folded, blocked } = permuteOf(bytes);
    expect(folded).toEqual([{ producer: 'fc1', consumers: ['fc2'] }, { producer: 'fc2', consumers: ['fc3'] }]);
    expect(blocked).toContainEqual({ layer: 'fc3', side: 'rows', reason: "output 'Y' is a graph output" });
    expect(blocked).toContainEqual({ layer: 'fc1', side: 'cols', reason: "input 'X' is a graph input" });
    await expectSameOutputs(bytes, model, feedsFor({ X: [5, K] }, 'mlp'));

    // fc1's units (p): B1 columns, b1, B2 rows; fc2's units (q): B2 columns, b2, B3 columns (transB = 1: [out, in]).
    const [B1, b1, B2, b2, B3] = ['B1', 'b1', 'B2', 'b2', 'B3'].map((n) => init(proto, n).data) as Float32Array[];
    const p = recoverPerm(B1 as Float32Array, init(model, 'B1').data, K, H, 1);
    const q = recoverPerm(b2 as Float32Array, init(model, 'b2').data, 1, 20, 1);
    for (const perm of [p, q]) {
      expect(perm.some((u, k) => u !== k)).toBe(true);
      expect([...perm].sort((a, b) => a - b)).toEqual([...Array(perm.length).keys()]);
    }
    expect(recoverPerm(b1 as Float32Array, init(model, 'b1').data, 1, H, 1)).toEqual(p);
    const B2p = init(model, 'B2').data;
    expect(Float32Array.from(B2p, (_, i) => (B2 as Float32Array)[(p[Math.floor(i / 20)] as number) * 20 + (q[i % 20] as number)] as number)).toEqual(B2p);
    expect(recoverPerm(B3 as Float32Array, init(model, 'B3').data, 12, 20, 1)).toEqual(q);
    // p is the default strength order: row |W| sums of fc1 + column |W| sums of fc2, each normalised.
    const sum = (a: Float32Array) => a.reduce((s, v) => s + Math.abs(v), 0);
    const strength = Array.from({ length: H }, (_, u) => {
      let r = 0;
      let c = 0;
      for (let i = 0; i < K; i++) r += Math.abs((B1 as Float32Array)[i * H + u] as number);
      for (let j = 0; j < 20; j++) c += Math.abs((B2 as Float32Array)[u * 20 + j] as number);
      return r / sum(B1 as Float32Array) + c / sum(B2 as Float32Array);
    });
    expect(p).toEqual([...Array(H).keys()].sort((a, b) => (strength[b] as number) - (strength[a] as number) || a - b));
    expect(init(model, 'C3').data).toEqual(init(proto, 'C3').data); // fc3's own rows are not reindexed
  });

  it('a chain with per-unit constants (Mul, Sub with the vector first), SiLU and a scalar Div', async () => {
    const spec: GraphSpec = {
      nodes: [
        node('MatMul', ['X', 'B1'], ['m'], {}, 'fc1'), node('Mul', ['m', 'scale'], ['s']), node('Sub', ['shift', 's'], ['t']),
        node('Sigmoid', ['t'], ['sg']), node('Mul', ['t', 'sg'], ['silu']), node('Div', ['silu', 'two'], ['d']),
        node('MatMul', ['d', 'B2'], ['Y'], {}, 'fc2'),
      ],
      inputs: [value('X', [3, K])], outputs: [value('Y', [3, 10])],
      initializers: [w('B1', [K, H]), w('scale', [H]), w('shift', [H]), scalar('two', 2), w('B2', [H, 10])],
    };
    const bytes = buildModel(spec);
    const { proto, model, folded } = permuteOf(bytes);
    expect(folded).toEqual([{ producer: 'fc1', consumers: ['fc2'] }]);
    await expectSameOutputs(bytes, model, feedsFor({ X: [3, K] }, 'vectors'));
    const p = recoverPerm(init(proto, 'B1').data, init(model, 'B1').data, K, H, 1);
    expect(p.some((u, k) => u !== k)).toBe(true);
    for (const v of ['scale', 'shift']) expect(recoverPerm(init(proto, v).data, init(model, v).data, 1, H, 1)).toEqual(p);
    expect(init(model, 'two').data).toEqual(new Float32Array([2]));
  });

  it('a Gemm producer (transB = 1, C) feeding two consumers: both consumers\' columns follow', async () => {
    const spec: GraphSpec = {
      nodes: [
        node('Gemm', ['X', 'B1', 'C1'], ['m'], { transB: 1 }, 'fc1'), node('Relu', ['m'], ['r']),
        node('MatMul', ['r', 'B2'], ['Y1'], {}, 'head1'), node('Gemm', ['r', 'B3', 'C3'], ['Y2'], {}, 'head2'),
      ],
      inputs: [value('X', [4, K])], outputs: [value('Y1', [4, 10]), value('Y2', [4, 8])],
      initializers: [w('B1', [H, K]), w('C1', [H]), w('B2', [H, 10]), w('B3', [H, 8]), w('C3', [8])],
    };
    const bytes = buildModel(spec);
    const { proto, model, folded } = permuteOf(bytes);
    expect(folded).toEqual([{ producer: 'fc1', consumers: ['head1', 'head2'] }]);
    await expectSameOutputs(bytes, model, feedsFor({ X: [4, K] }, 'two consumers'));
    const p = recoverPerm(init(proto, 'B1').data, init(model, 'B1').data, 1, H, K);
    expect(p.some((u, k) => u !== k)).toBe(true);
    expect(recoverPerm(init(proto, 'C1').data, init(model, 'C1').data, 1, H, 1)).toEqual(p);
    expect(recoverPerm(init(proto, 'B2').data, init(model, 'B2').data, 1, H, 10)).toEqual(p);
    expect(recoverPerm(init(proto, 'B3').data, init(model, 'B3').data, 1, H, 8)).toEqual(p);
  });

  it('a per-unit constant also read outside the chain is copied for the chain, the original left to its other reader', async () => {
    const spec: GraphSpec = {
      nodes: [node('MatMul', ['X', 'B1'], ['m'], {}, 'fc1'), node('Mul', ['m', 'scale'], ['s']), node('Tanh', ['s'], ['t']),
        node('MatMul', ['t', 'B2'], ['Y'], {}, 'fc2'), node('Add', ['X2', 'scale'], ['Z'])],
      inputs: [value('X', [3, K]), value('X2', [3, H])], outputs: [value('Y', [3, 10]), value('Z', [3, H])],
      initializers: [w('B1', [K, H]), w('scale', [H]), w('B2', [H, 10])],
    };
    const bytes = buildModel(spec);
    const { proto, model } = permuteOf(bytes);
    await expectSameOutputs(bytes, model, feedsFor({ X: [3, K], X2: [3, H] }, 'shared vector'));
    expect(init(model, 'scale').data).toEqual(init(proto, 'scale').data);
    expect(model.graph?.node?.[1]?.input).toEqual(['m', 'scale.reindexed']);
    const p = recoverPerm(init(proto, 'B1').data, init(model, 'B1').data, K, H, 1);
    expect(recoverPerm(init(proto, 'scale').data, init(model, 'scale.reindexed').data, 1, H, 1)).toEqual(p);
  });

  it('colScale (activation norms) weights a consumer\'s columns: a unit with a huge norm comes first', () => {
    const scale = new Float64Array(H).fill(1);
    scale[7] = 1e6;
    const { folded, model } = permuteOf(buildModel(MLP), { colScale: { fc2: scale }, layers: (l) => l.name === 'fc1' });
    expect(folded.map((f) => f.producer)).toEqual(['fc1']);
    const p = recoverPerm(init(decodeModel(buildModel(MLP)), 'B1').data, init(model, 'B1').data, K, H, 1);
    expect(p[0]).toBe(7);
    expect(init(model, 'B2').data.subarray(0, 20)).toEqual(init(decodeModel(buildModel(MLP)), 'B2').data.subarray(7 * 20, 8 * 20));
  });
});

describe('permuteModel: blocked forms are reported and left unchanged', () => {
  // X -> fc1 (MatMul + Add + Relu) -> <between> -> fc2 MatMul -> Y
  const block = (between: ReturnType<typeof node>[], extra: GraphSpec['initializers'] = [], outputs: GraphSpec['outputs'] = []): GraphSpec => ({
    nodes: [node('MatMul', ['X', 'B1'], ['m1'], {}, 'fc1'), node('Add', ['m1', 'b1'], ['h1']), node('Relu', ['h1'], ['r1']),
      ...between, node('MatMul', ['z', 'B2'], ['Y'], {}, 'fc2')],
    inputs: [value('X', [2, K])], outputs: [value('Y', [2, 10]), ...outputs],
    initializers: [w('B1', [K, K]), w('b1', [K]), w('B2', [K, 10]), ...extra],
  });
  const cases: [string, GraphSpec, RegExp, RegExp][] = [
    ['residual Add', block([node('Add', ['r1', 'X'], ['z'])]), /Add 'Add_z' with 'X', which is not a constant/, /^input comes from 'fc1': /],
    ['LayerNormalization between', block([node('LayerNormalization', ['r1', 'gamma', 'beta'], ['z'], { axis: -1 })], [w('gamma', [K]), w('beta', [K])]),
      /output feeds LayerNormalization/, /input comes from LayerNormalization/],
    ['a graph output in between', block([node('Neg', ['r1'], ['z'])], [], [value('r1', [2, K])]), /output 'r1' is a graph output/, /^input comes from 'fc1': /],
  ];
  for (const [name, spec, reason, colsReason] of cases) {
    it(name, async () => {
      const bytes = buildModel(spec);
      const { proto, model, folded, blocked } = permuteOf(bytes);
      expect(folded).toEqual([]);
      expect(blocked.find((b) => b.layer === 'fc1' && b.side === 'rows')?.reason).toMatch(reason);
      expect(blocked.find((b) => b.layer === 'fc2' && b.side === 'cols')?.reason).toMatch(colsReason);
      expect(encodeModel(model as ModelProto)).toEqual(encodeModel(proto));
      await expectSameOutputs(bytes, model, feedsFor({ X: [2, K] }, name), 0);
    });
  }

  it('findHiddenChains finds the same chains permuteModel folds', () => {
    const { chains } = modelChains(decodeModel(buildModel(MLP)));
    expect(chains.map((c) => [c.producer.name, c.consumers.map((l) => l.name), c.vectors])).toEqual([['fc1', ['fc2'], ['b1']], ['fc2', ['fc3'], ['b2']]]);
    expect(chains[1]?.nodes.length).toBe(6); // bias Add + the five erf-GELU nodes
  });
});

describe('strengthOrder', () => {
  it('sorts by descending strength, ties by index', () => {
    // 3 (units 1, 3: tie, lower index first) > 2 (5) > 1 (2) > 0.5 (0) > 0.2 (4)
    expect([...strengthOrder([0.5, 3, 1, 3, 0.2, 2])]).toEqual([1, 3, 5, 2, 0, 4]);
    expect([...strengthOrder(new Float64Array([NaN, 1, 1]))]).toEqual([1, 2, 0]);
  });
});

describe('dealtOrder (N:M groups)', () => {
  it('deals units by strength across groups of m consecutive positions, hand-worked', () => {
    // Strengths by unit: 0:1 1:8 2:3 3:6 4:5 5:4 6:7 7:2 -> descending 1, 6, 3, 4, 5, 2, 7, 0; two groups of 4:
    // first slots get 1 and 6, second slots 3 and 4, third 5 and 2, fourth 7 and 0.
    expect([...dealtOrder([1, 8, 3, 6, 5, 4, 7, 2], 4)]).toEqual([1, 3, 5, 7, 6, 4, 2, 0]);
    // A partial last group (5 units, m = 4): positions past the end are skipped.
    expect([...dealtOrder([5, 4, 3, 2, 1], 4)]).toEqual([0, 2, 3, 4, 1]);
    expect(() => dealtOrder([1, 2], 0)).toThrow(RangeError);
  });

  it('with groupSize, permuteModel still leaves the model function unchanged', async () => {
    const bytes = buildModel(MLP);
    const { model, folded } = permuteOf(bytes, { groupSize: 4 });
    expect(folded).toHaveLength(2);
    await expectSameOutputs(bytes, model, feedsFor({ X: [3, K] }, 'dealt'));
  });
});

