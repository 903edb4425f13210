// A two-layer transformer encoder laid out the way PyTorch's exporter writes one (MatMul with [in, out]
// initializers + bias Add, fused QKV split into heads, softmax attention, a Gemm out-projection with transB on
// the flattened tokens, residual Adds, LayerNormalization, erf GELU): gsparse on `model` equals onnxruntime
// on `pruned`, and the uncompressed model through gsparse's session is exactly onnxruntime's answer.
import { describe, expect, it } from 'vitest';

import { compress, InferenceSession, Tensor } from '../lib/index.js';
import { encoderModel } from '../bench/model-graphs.js';
import * as gsparseOrt from '../lib/model/onnxruntime-module.js';
import { randn } from './helpers/reference.js';
import { decode, ort, relErr, runOrt } from './helpers/onnx-build.js';
import { mlpModel } from './helpers/mlp-model.mjs';
import { seedOf } from './helpers/util.js';

const D = 64;
const SEQ = 7;
const X = new Tensor('float32', randn(2 * SEQ * D, seedOf('enc-x')), [2, SEQ, D]);

describe('transformer encoder (PyTorch export layout)', () => {
  const model = encoderModel({ hidden: D, heads: 4, ffn: 2 * D, layers: 2 });

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

  it('repeated, concurrent and reshaped runs: each result equals onnxruntime and later runs leave it intact', async () => {
    // The session reuses the arrays of values only it sees (SparseLinear outputs inside the graph) from run
    // to run; results handed to the caller must never be among them.
    const result = await compress(model, { sparsity: 0.8, patterns: ['gs:16'] });
    const session = await InferenceSession.create(result.model);
    const inputs = [2, 2, 1, 3, 2].map((b, i) => new Tensor('float32', randn(b * SEQ * D, seedOf(`enc-run-${i}`)), [b, SEQ, D]));
    const references = await Promise.all(inputs.map(async (x) => (await runOrt(result.pruned, { X: x })).Y?.data as Float32Array));
    const first = await session.run({ X: inputs[0] as Tensor });
    const kept = Float32Array.from(first.Y?.data as Float32Array);
    const outs = [first];
    outs.push(await session.run({ X: inputs[1] as Tensor }));
    outs.push(...(await Promise.all(inputs.slice(2).map((x) => session.run({ X: x })))));
    await session.release();
    expect(first.Y?.data).toEqual(kept);
    outs.forEach((o, i) => expect(relErr(o.Y?.data as Float32Array, references[i] as Float32Array)).toBeLessThanOrEqual(1e-4));

    // A model whose output is itself a SparseLinear output (and whose hidden layer feeds a SparseLinear).
    const mlp = await compress(mlpModel(D, 2 * D, 5), { sparsity: 0.8, patterns: ['csr'] });
    const mlpSession = await InferenceSession.create(mlp.model);
    const a = await mlpSession.run({ x: new Tensor('float32', randn(3 * D, seedOf('mlp-a')), [3, D]) });
    const aKept = Float32Array.from(a.y?.data as Float32Array);
    await mlpSession.run({ x: new Tensor('float32', randn(3 * D, seedOf('mlp-b')), [3, D]) });
    await mlpSession.release();
    expect(a.y?.data).toEqual(aKept);
  });

  it('with input_ids and an embedding Gather (a BertModel export): int64 feeds, equals onnxruntime on pruned', async () => {
    const bert = encoderModel({ hidden: D, heads: 4, ffn: 2 * D, layers: 2, vocab: 50 });
    const result = await compress(bert, { sparsity: 0.8, patterns: ['gs:16'] });
    const ids = new Tensor('int64', BigInt64Array.from([3, 49, 0, 7, 7, 21, 12, 5], BigInt), [2, 4]);
    const reference = await runOrt(result.pruned, { input_ids: ids });
    const session = await InferenceSession.create(result.model);
    expect(session.inputNames).toEqual(['input_ids']);
    const out = await session.run({ input_ids: ids });
    await session.release();
    expect(out.last_hidden_state?.dims).toEqual([2, 4, D]);
    expect(relErr(out.last_hidden_state?.data as Float32Array, reference.last_hidden_state?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
  });

  it('runs through gsparse/onnxruntime (onnxruntime-node shaped module)', async () => {
    const result = await compress(model, { sparsity: 0.5, patterns: ['csr'] });
    const session = await gsparseOrt.InferenceSession.create(result.model);
    expect(session.inputNames).toEqual(['X']);
    expect(session.outputNames).toEqual(['Y']);
    const peer = await gsparseOrt.InferenceSession.create(model); // no SparseLinear: onnxruntime's own session inside
    const ortSession = await ort.InferenceSession.create(result.pruned);
    for (const s of [session, peer]) {
      expect(s.inputMetadata).toEqual(ortSession.inputMetadata);
      expect(s.outputMetadata).toEqual(ortSession.outputMetadata);
    }
    await Promise.all([peer.release(), ortSession.release()]);
    const out = await session.run({ X: new gsparseOrt.Tensor('float32', X.data as Float32Array, X.dims) });
    await session.release();
    const reference = await runOrt(result.pruned, { X });
    expect(relErr(out.Y?.data as Float32Array, reference.Y?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    expect(typeof gsparseOrt.env.versions).toBe('object');
  });
});
