// compress() on small MatMul / Gemm graphs, each pattern: gsparse's session on `model` equals onnxruntime on
// `pruned`, and `pruned` is the original graph with zeros where the weights were pruned.
import { describe, expect, it } from 'vitest';

import { compress, InferenceSession, Tensor } from '../lib/index.js';
import { randn } from './helpers/reference.js';
import {
  buildModel, decode, floatInit, type GraphSpec, initFloats, INT64, int64Init, node, relErr, runOrt, value,
} from './helpers/onnx-build.js';
import { seedOf } from './helpers/util.js';

const K = 64;
const N = 48;
const PATTERNS = ['csr', 'gs:16', '2:4', 'block:4x1', 'dense'] as const;
const SPARSITY = 0.75;

function w(name: string, dims: number[]): ReturnType<typeof floatInit> {
  return floatInit(name, dims, randn(dims.reduce((a, b) => a * b, 1), seedOf(name, ...dims)));
}

interface Case {
  name: string;
  spec: GraphSpec;
  x: { dims: number[] };
  /** SparseLinear nodes expected in the compressed model. */
  sparseNodes: number;
  /** Nodes expected in the compressed model in all. */
  nodes: number;
  /** Activation folded into the first SparseLinear node. */
  activation?: 'relu' | 'gelu';
  /** Packed initializers expected (distinct B); 1 when absent. */
  packed?: number;
}

function gemm(name: string, attrs: Record<string, number>, c?: number[]): Case {
  const transB = attrs.transB ?? 0;
  return {
    name,
    spec: {
      nodes: [node('Gemm', c ? ['X', 'B', 'C'] : ['X', 'B'], ['Y'], attrs)],
      inputs: [value('X', [3, K])],
      outputs: [value('Y', [3, N])],
      initializers: [w('B', transB ? [N, K] : [K, N]), ...(c ? [w('C', c)] : [])],
    },
    x: { dims: [3, K] },
    sparseNodes: 1,
    nodes: 1,
  };
}

const CASES: Case[] = [
  {
    name: 'MatMul, X with leading batch dims',
    spec: { nodes: [node('MatMul', ['X', 'B'], ['Y'])], inputs: [value('X', [2, 3, K])], outputs: [value('Y', [2, 3, N])], initializers: [w('B', [K, N])] },
    x: { dims: [2, 3, K] }, sparseNodes: 1, nodes: 1,
  },
  {
    name: 'MatMul + bias Add + Relu folded',
    spec: {
      nodes: [node('MatMul', ['X', 'B'], ['h']), node('Add', ['h', 'bias'], ['hb']), node('Relu', ['hb'], ['Y'])],
      inputs: [value('X', ['batch', K])], outputs: [value('Y', ['batch', N])], initializers: [w('B', [K, N]), w('bias', [N])],
    },
    x: { dims: [5, K] }, sparseNodes: 1, nodes: 1, activation: 'relu',
  },
  {
    name: 'MatMul + erf GELU (PyTorch form) folded',
    spec: {
      nodes: [
        node('MatMul', ['X', 'B'], ['h']),
        node('Div', ['h', 'sqrt2'], ['d']), node('Erf', ['d'], ['e']), node('Add', ['e', 'one'], ['e1']),
        node('Mul', ['h', 'e1'], ['m']), node('Mul', ['m', 'half'], ['Y']),
      ],
      inputs: [value('X', [1, 4, K])], outputs: [value('Y', [1, 4, N])],
      initializers: [w('B', [K, N]), floatInit('sqrt2', [], new Float32Array([Math.SQRT2])),
        floatInit('one', [], new Float32Array([1])), floatInit('half', [], new Float32Array([0.5]))],
    },
    x: { dims: [1, 4, K] }, sparseNodes: 1, nodes: 1, activation: 'gelu',
  },
  {
    name: 'B shared by two MatMuls (packed once), residual Add over them',
    spec: {
      nodes: [node('MatMul', ['X', 'B'], ['a']), node('Relu', ['a'], ['r']), node('MatMul', ['X2', 'B'], ['b']), node('Add', ['r', 'b'], ['Y'])],
      inputs: [value('X', [2, K]), value('X2', [2, K])], outputs: [value('Y', [2, N])], initializers: [w('B', [K, N])],
    },
    x: { dims: [2, K] }, sparseNodes: 2, nodes: 3, activation: 'relu',
  },
  {
    name: 'three MatMuls on X run concurrently, one output also a graph output',
    spec: {
      nodes: [node('MatMul', ['X', 'Bq'], ['q']), node('MatMul', ['X', 'Bk'], ['k']), node('MatMul', ['X', 'Bv'], ['v']),
        node('Mul', ['q', 'k'], ['qk']), node('Add', ['qk', 'v'], ['Y'])],
      inputs: [value('X', [4, K])], outputs: [value('Y', [4, N]), value('q', [4, N])],
      initializers: [w('Bq', [K, N]), w('Bk', [K, N]), w('Bv', [K, N])],
    },
    x: { dims: [4, K] }, sparseNodes: 3, nodes: 5, packed: 3,
  },
  gemm('Gemm transB=0, no C', {}),
  gemm('Gemm transB=1, alpha, beta, C [N]', { transB: 1, alpha: 0.5, beta: 2 }, [N]),
  gemm('Gemm transB=0, C scalar []', { beta: -1.5 }, []),
  gemm('Gemm transB=1, C [1]', { transB: 1 }, [1]),
  gemm('Gemm transB=0, C [1, N], alpha', { alpha: -2 }, [1, N]),
];

async function feedsFor(spec: GraphSpec, dims: number[], label: string): Promise<Record<string, Tensor>> {
  const feeds: Record<string, Tensor> = {};
  for (const input of spec.inputs) {
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[input.name as string] = new Tensor('float32', randn(n, seedOf('x', label, input.name as string)), dims);
  }
  return feeds;
}

describe('compress: MatMul / Gemm graphs, each pattern', () => {
  for (const c of CASES) {
    for (const pattern of PATTERNS) {
      it(`${c.name}, ${pattern}`, async () => {
        const original = buildModel(c.spec);
        const result = await compress(original, { sparsity: SPARSITY, patterns: [pattern] });

        // The compressed model: SparseLinear nodes, activations folded.
        const m = decode(result.model);
        const sparse = (m.graph?.node ?? []).filter((n) => n.domain === 'com.gsparse' && n.opType === 'SparseLinear');
        expect(sparse.length).toBe(c.sparseNodes);
        expect(m.graph?.node?.length).toBe(c.nodes);
        if (c.activation) {
          const act = sparse[0]?.attribute?.find((a) => a.name === 'activation');
          expect(new TextDecoder().decode(act?.s ?? new Uint8Array())).toBe(c.activation);
        }
        const packedCount = (m.graph?.initializer ?? []).filter((t) => t.dataType === 2).length;
        expect(packedCount).toBe(c.packed ?? 1); // a shared B is packed once
        expect(result.layers.filter((l) => l.skipped === undefined).length).toBe(c.sparseNodes);

        // `pruned`: the same graph and shapes, B zeroed where pruned, every other weight unchanged.
        const p = decode(result.pruned);
        const o = decode(original);
        expect(p.graph?.node?.map((n) => [n.opType, n.input, n.output])).toEqual(o.graph?.node?.map((n) => [n.opType, n.input, n.output]));
        for (const t of o.graph?.initializer ?? []) {
          const q = p.graph?.initializer?.find((u) => u.name === t.name);
          expect(q?.dims?.map(Number)).toEqual(t.dims?.map(Number));
          const before = initFloats(t);
          const after = initFloats(q ?? {});
          if (!/^B[qkv]?$/.test(t.name ?? '')) {
            expect(after).toEqual(before);
            continue;
          }
          let zeros = 0;
          for (let i = 0; i < before.length; i++) {
            if (after[i] === 0) zeros++;
            else expect(after[i]).toBe(before[i]);
          }
          // dense keeps the pruned matrix unpacked: it has the target sparsity too.
          const expected = pattern === '2:4' ? 0.5 : SPARSITY;
          expect(zeros / before.length).toBeCloseTo(expected, 1);
        }

        // gsparse on `model` equals onnxruntime on `pruned`.
        const feeds = await feedsFor(c.spec, c.x.dims, c.name);
        const reference = await runOrt(result.pruned, feeds);
        const session = await InferenceSession.create(result.model);
        try {
          expect(session.inputNames).toEqual(c.spec.inputs.map((i) => i.name));
          const out = await session.run(feeds);
          for (const name of session.outputNames) {
            expect(out[name]?.dims).toEqual(reference[name]?.dims);
            expect(relErr(out[name]?.data as Float32Array, reference[name]?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
          }
        } finally {
          await session.release();
        }
      });
    }
  }
});

/** Whether v is exactly an IEEE half (normal or subnormal). */
function isHalf(v: number): boolean {
  if (v === 0) return true;
  const a = Math.abs(v);
  if (!(a <= 65504)) return false;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  return Number.isInteger(a * 2 ** (10 - e));
}

describe('compress: fp16 weights', () => {
  for (const c of [CASES[1] as Case, CASES[5] as Case]) {
    it(`${c.name}, gs:16, f16: pruned holds the stored fp16 values and equals gsparse`, async () => {
      const original = buildModel(c.spec);
      const result = await compress(original, { sparsity: SPARSITY, patterns: ['gs:16'], dtype: 'f16' });
      const before = initFloats(decode(original).graph?.initializer?.find((t) => t.name === 'B') ?? {});
      const after = initFloats(decode(result.pruned).graph?.initializer?.find((t) => t.name === 'B') ?? {});
      const alpha = c.name.includes('alpha, beta') ? 0.5 : 1;
      expect(after.every((v) => isHalf(v * alpha))).toBe(true);
      expect(after.some((v, i) => v !== 0 && v !== before[i])).toBe(true); // rounded, not B's own values
      const feeds = await feedsFor(c.spec, c.x.dims, c.name);
      const reference = await runOrt(result.pruned, feeds);
      const session = await InferenceSession.create(result.model);
      const out = await session.run(feeds);
      await session.release();
      expect(relErr(out.Y?.data as Float32Array, reference.Y?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('compress: forms left to onnxruntime are reported and still run', () => {
  const cases: [string, GraphSpec, string][] = [
    ['Gemm transA=1', {
      nodes: [node('Gemm', ['X', 'B'], ['Y'], { transA: 1 })], inputs: [value('X', [K, 3])], outputs: [value('Y', [3, N])],
      initializers: [w('B', [K, N])],
    }, 'transA'],
    ['Gemm with C [M, N]', {
      nodes: [node('Gemm', ['X', 'B', 'C'], ['Y'])], inputs: [value('X', [3, K])], outputs: [value('Y', [3, N])],
      initializers: [w('B', [K, N]), w('C', [3, N])],
    }, 'not a bias vector'],
    ['MatMul with B a graph input', {
      nodes: [node('MatMul', ['X', 'B'], ['Y'])], inputs: [value('X', [3, K]), value('B', [K, N])], outputs: [value('Y', [3, N])],
    }, 'not a constant'],
    ['MatMul with a 3-D B', {
      nodes: [node('MatMul', ['X', 'B'], ['Y'])], inputs: [value('X', [2, 3, K])], outputs: [value('Y', [2, 3, N])],
      initializers: [w('B', [2, K, N])],
    }, '3-D'],
  ];
  for (const [name, spec, reason] of cases) {
    it(name, async () => {
      const original = buildModel(spec);
      const result = await compress(original, { sparsity: 0.5, patterns: ['csr'] });
      expect(result.layers).toHaveLength(1);
      expect(result.layers[0]?.skipped).toContain(reason);
      expect(decode(result.model).graph?.node?.map((n) => n.opType)).toEqual(['Gemm', 'MatMul'].filter((op) => op === spec.nodes[0]?.opType));
      // Runs as a plain model: exactly onnxruntime's outputs.
      const feeds: Record<string, Tensor> = {};
      for (const input of spec.inputs) {
        const dims = (input.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue));
        feeds[input.name as string] = new Tensor('float32', randn(dims.reduce((a, b) => a * b, 1), seedOf(name, input.name as string)), dims);
      }
      const reference = await runOrt(original, feeds);
      const session = await InferenceSession.create(result.model);
      const out = await session.run(feeds);
      await session.release();
      expect(out.Y?.data).toEqual(reference.Y?.data);
    });
  }
});

describe('compress: a compressed model', () => {
  it('compressed again keeps its SparseLinear nodes, one com.gsparse opset, and the same outputs', async () => {
    const c = CASES[1] as Case;
    const first = await compress(buildModel(c.spec), { sparsity: SPARSITY, patterns: ['csr'] });
    const again = await compress(first.model, { sparsity: SPARSITY, patterns: ['csr'] });
    expect(again.layers).toEqual([]);
    const m = decode(again.model);
    expect(m.opsetImport?.filter((o) => o.domain === 'com.gsparse')).toHaveLength(1);
    expect(m.graph?.node?.map((n) => n.opType)).toEqual(['SparseLinear']);
    const feeds = await feedsFor(c.spec, c.x.dims, 'again');
    const outs: Float32Array[] = [];
    for (const bytes of [first.model, again.model]) {
      const session = await InferenceSession.create(bytes);
      outs.push((await session.run(feeds)).Y?.data as Float32Array);
      await session.release();
    }
    expect(outs[1]).toEqual(outs[0]);
  });
});

describe('compress: graph outputs no node writes', () => {
  it('a feed and initializers returned as outputs of a compressed model, as onnxruntime returns them', async () => {
    const spec: GraphSpec = {
      nodes: [node('MatMul', ['X', 'B'], ['Y'])],
      inputs: [value('X', [2, K])],
      outputs: [value('Y', [2, N]), value('X', [2, K]), value('Kf', [2]), value('Ki', [3], INT64)],
      initializers: [w('B', [K, N]), floatInit('Kf', [2], new Float32Array([1.5, -2])), int64Init('Ki', [3], [7, -1, 9])],
    };
    const result = await compress(buildModel(spec), { sparsity: 0.5, patterns: ['csr'] });
    const feeds = await feedsFor(spec, [2, K], 'outputs');
    const reference = await runOrt(result.pruned, feeds);
    const session = await InferenceSession.create(result.model);
    const out = await session.run(feeds);
    await session.release();
    expect(session.outputNames).toEqual(['Y', 'X', 'Kf', 'Ki']);
    for (const name of ['X', 'Kf', 'Ki']) {
      expect(out[name]?.type).toBe(reference[name]?.type);
      expect(out[name]?.dims).toEqual(reference[name]?.dims);
      expect(out[name]?.data).toEqual(reference[name]?.data);
    }
    expect(relErr(out.Y?.data as Float32Array, reference.Y?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
  });
});

describe('compress: include / exclude / onProgress', () => {
  const spec: GraphSpec = {
    nodes: [node('MatMul', ['X', 'B1'], ['h'], {}, 'encoder.fc1'), node('Relu', ['h'], ['r']), node('MatMul', ['r', 'B2'], ['Y'], {}, 'head.fc2')],
    inputs: [value('X', [2, K])], outputs: [value('Y', [2, K])],
    initializers: [w('B1', [K, N]), w('B2', [N, K])],
  };
  const compressedNames = (layers: { name: string; skipped?: string }[]) => layers.filter((l) => l.skipped === undefined).map((l) => l.name);

  it('include / exclude match node or weight names; the rest is reported and left to onnxruntime', async () => {
    const inc = await compress(buildModel(spec), { sparsity: 0.5, patterns: ['csr'], include: /^encoder\./ });
    expect(compressedNames(inc.layers)).toEqual(['encoder.fc1']);
    expect(inc.layers.find((l) => l.name === 'head.fc2')?.skipped).toContain('excluded');
    expect(decode(inc.model).graph?.node?.map((n) => n.opType)).toEqual(['SparseLinear', 'MatMul']);
    const exc = await compress(buildModel(spec), { sparsity: 0.5, patterns: ['csr'], exclude: /B1/ });
    expect(compressedNames(exc.layers)).toEqual(['head.fc2']);
    // The excluded layer's weights are not pruned in `pruned` either.
    const b1 = initFloats(decode(exc.pruned).graph?.initializer?.find((t) => t.name === 'B1') ?? {});
    expect(b1.every((v) => v !== 0)).toBe(true);
  });

  it('onProgress counts the layers', async () => {
    const seen: [number, number][] = [];
    await compress(buildModel(spec), { sparsity: 0.5, patterns: ['csr'], onProgress: (p) => seen.push([p.done, p.total]) });
    expect(seen).toEqual([[0, 2], [1, 2], [2, 2]]);
  });
});
