// A two-layer transformer encoder laid out the way PyTorch's exporter writes one (MatMul with [in, out]
// initializers + bias Add, fused QKV split into heads, softmax attention, a Gemm out-projection with transB on
// the flattened tokens, residual Adds, LayerNormalization, erf GELU): gsparse on `model` equals onnxruntime
// on `pruned`, and the uncompressed model through gsparse's session is exactly onnxruntime's answer.
import { describe, expect, it } from 'vitest';

import { compress, InferenceSession, Tensor } from '../lib/index.js';
import * as gsparseOrt from '../lib/model/onnxruntime-module.js';
import { randn } from './helpers/reference.js';
import { buildModel, decode, floatInit, int64Init, node, relErr, runOrt, value } from './helpers/onnx-build.js';
import { seedOf } from './helpers/util.js';

const D = 64;
const HEADS = 4;
const DH = D / HEADS;
const FFN = 128;
const SEQ = 7;

function weights(name: string, dims: number[], std: number) {
  return floatInit(name, dims, randn(dims.reduce((a, b) => a * b, 1), seedOf('enc', name), std));
}

/** One encoder layer reading `x`, writing `${p}out`; returns its nodes and initializers. */
function encoderLayer(p: string, x: string) {
  const s = 1 / Math.sqrt(D);
  const nodes = [
    node('MatMul', [x, `${p}wqkv`], [`${p}qkv0`], {}, `${p}qkv_proj`),
    node('Add', [`${p}qkv0`, `${p}bqkv`], [`${p}qkv`]),
    node('Split', [`${p}qkv`, 'split3'], [`${p}q`, `${p}k`, `${p}v`], { axis: -1 }),
    node('Reshape', [`${p}q`, 'heads_shape'], [`${p}q4`]),
    node('Transpose', [`${p}q4`], [`${p}qh`], { perm: [0, 2, 1, 3] }),
    node('Reshape', [`${p}k`, 'heads_shape'], [`${p}k4`]),
    node('Transpose', [`${p}k4`], [`${p}khT`], { perm: [0, 2, 3, 1] }),
    node('Reshape', [`${p}v`, 'heads_shape'], [`${p}v4`]),
    node('Transpose', [`${p}v4`], [`${p}vh`], { perm: [0, 2, 1, 3] }),
    node('MatMul', [`${p}qh`, `${p}khT`], [`${p}scores0`], {}, `${p}scores`),
    node('Div', [`${p}scores0`, 'sqrt_dh'], [`${p}scores1`]),
    node('Softmax', [`${p}scores1`], [`${p}probs`], { axis: -1 }),
    node('MatMul', [`${p}probs`, `${p}vh`], [`${p}ctx4`], {}, `${p}context`),
    node('Transpose', [`${p}ctx4`], [`${p}ctx_t`], { perm: [0, 2, 1, 3] }),
    node('Reshape', [`${p}ctx_t`, 'tokens_shape'], [`${p}ctx2d`]),
    node('Gemm', [`${p}ctx2d`, `${p}wo`, `${p}bo`], [`${p}attn2d`], { transB: 1 }, `${p}out_proj`),
    node('Shape', [x], [`${p}xshape`]),
    node('Reshape', [`${p}attn2d`, `${p}xshape`], [`${p}attn`]),
    node('Add', [x, `${p}attn`], [`${p}res1`]),
    node('LayerNormalization', [`${p}res1`, `${p}ln1_g`, `${p}ln1_b`], [`${p}h1`], { axis: -1, epsilon: 1e-5 }),
    node('MatMul', [`${p}h1`, `${p}w1`], [`${p}f0`], {}, `${p}ffn1`),
    node('Add', [`${p}f0`, `${p}b1`], [`${p}f1`]),
    node('Div', [`${p}f1`, 'sqrt2'], [`${p}g0`]),
    node('Erf', [`${p}g0`], [`${p}g1`]),
    node('Add', [`${p}g1`, 'one'], [`${p}g2`]),
    node('Mul', [`${p}f1`, `${p}g2`], [`${p}g3`]),
    node('Mul', [`${p}g3`, 'half'], [`${p}gelu`]),
    node('MatMul', [`${p}gelu`, `${p}w2`], [`${p}f2`], {}, `${p}ffn2`),
    node('Add', [`${p}f2`, `${p}b2`], [`${p}f3`]),
    node('Add', [`${p}h1`, `${p}f3`], [`${p}res2`]),
    node('LayerNormalization', [`${p}res2`, `${p}ln2_g`, `${p}ln2_b`], [`${p}out`], { axis: -1, epsilon: 1e-5 }),
  ];
  const initializers = [
    weights(`${p}wqkv`, [D, 3 * D], s), weights(`${p}bqkv`, [3 * D], 0.1),
    weights(`${p}wo`, [D, D], s), weights(`${p}bo`, [D], 0.1),
    weights(`${p}w1`, [D, FFN], s), weights(`${p}b1`, [FFN], 0.1),
    weights(`${p}w2`, [FFN, D], 1 / Math.sqrt(FFN)), weights(`${p}b2`, [D], 0.1),
    floatInit(`${p}ln1_g`, [D], new Float32Array(D).fill(1)), weights(`${p}ln1_b`, [D], 0.1),
    floatInit(`${p}ln2_g`, [D], new Float32Array(D).fill(1)), weights(`${p}ln2_b`, [D], 0.1),
  ];
  return { nodes, initializers };
}

function encoder(): Uint8Array {
  const l0 = encoderLayer('l0_', 'X');
  const l1 = encoderLayer('l1_', 'l0_out');
  return buildModel({
    nodes: [...l0.nodes, ...l1.nodes, node('Identity', ['l1_out'], ['Y'])],
    inputs: [value('X', ['batch', 'seq', D])],
    outputs: [value('Y', ['batch', 'seq', D])],
    initializers: [
      ...l0.initializers, ...l1.initializers,
      int64Init('split3', [3], [D, D, D]),
      int64Init('heads_shape', [4], [0, 0, HEADS, DH]),
      int64Init('tokens_shape', [2], [-1, D]),
      floatInit('sqrt_dh', [], new Float32Array([Math.sqrt(DH)])),
      floatInit('sqrt2', [], new Float32Array([Math.SQRT2])),
      floatInit('one', [], new Float32Array([1])),
      floatInit('half', [], new Float32Array([0.5])),
    ],
  });
}

const X = new Tensor('float32', randn(2 * SEQ * D, seedOf('enc-x')), [2, SEQ, D]);

describe('transformer encoder (PyTorch export layout)', () => {
  const model = encoder();

  it('runs unchanged through InferenceSession: exactly onnxruntime', async () => {
    const reference = await runOrt(model, { X });
    const session = await InferenceSession.create(model);
    const out = await session.run({ X });
    await session.release();
    expect(out.Y?.dims).toEqual([2, SEQ, D]);
    expect(out.Y?.data).toEqual(reference.Y?.data);
  });

  for (const pattern of ['csr', 'gs:16', '2:4', 'block:4x1', 'dense']) {
    it(`compressed ${pattern}: equals onnxruntime on pruned`, async () => {
      const result = await compress(model, { sparsity: 0.8, patterns: [pattern] });
      const compressed = result.layers.filter((l) => l.skipped === undefined).map((l) => l.name).sort();
      expect(compressed).toEqual(['qkv_proj', 'out_proj', 'ffn1', 'ffn2'].flatMap((n) => [`l0_${n}`, `l1_${n}`]).sort());
      // The attention MatMuls multiply two activations: left to onnxruntime.
      expect(result.layers.filter((l) => l.skipped !== undefined).map((l) => l.name).sort())
        .toEqual(['l0_context', 'l0_scores', 'l1_context', 'l1_scores']);
      const ops = decode(result.model).graph?.node?.map((n) => n.opType) ?? [];
      expect(ops.filter((op) => op === 'SparseLinear')).toHaveLength(8);
      expect(ops).not.toContain('Erf'); // the GELU is folded into ffn1

      const reference = await runOrt(result.pruned, { X });
      const session = await InferenceSession.create(result.model);
      const out = await session.run({ X });
      await session.release();
      expect(out.Y?.dims).toEqual([2, SEQ, D]);
      expect(relErr(out.Y?.data as Float32Array, reference.Y?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('runs through gsparse/onnxruntime (onnxruntime-node shaped module)', async () => {
    const result = await compress(model, { sparsity: 0.5, patterns: ['csr'] });
    const session = await gsparseOrt.InferenceSession.create(result.model);
    expect(session.inputNames).toEqual(['X']);
    expect(session.outputNames).toEqual(['Y']);
    const out = await session.run({ X: new gsparseOrt.Tensor('float32', X.data as Float32Array, X.dims) });
    await session.release();
    const reference = await runOrt(result.pruned, { X });
    expect(relErr(out.Y?.data as Float32Array, reference.Y?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    expect(typeof gsparseOrt.env.versions).toBe('object');
  });
});
