// Conformance with ONNX's own backend test suite (Debian's libonnx-testdata, installed by .ci/run):
// - every case onnxruntime-node passes (its outputs within ONNX's tolerance of the expected ones) gives
//   exactly onnxruntime's outputs through gsparse's InferenceSession, as given and as compress() rewrites it;
// - the Gemm / MatMul cases with B (and C) turned into initializers, compressed with each pattern, equal
//   onnxruntime running `pruned`.
import { describe, expect, it } from 'vitest';

import { compress, InferenceSession } from '../lib/index.js';
import { relErr } from './helpers/onnx-build.js';
import {
  closeTo, type DataSet, feedNames, HAVE_TESTDATA, listCases, onnx, ort, readCase, TESTDATA, toTensor,
} from './helpers/onnx-testdata.js';

ort.env.logLevel = 'error'; // the suite's opset-6 models make onnxruntime warn once per case

const SUITES = ['node', 'simple', 'pytorch-converted', 'pytorch-operator'];
const REQUIRED = ['gemm', 'matmul', 'relu', 'add', 'softmax', 'layer_normalization', 'reshape', 'transpose', 'gather', 'erf'];
const PATTERNS = ['csr', 'gs:16', '2:4', 'block:4x1', 'dense'];
const cases = HAVE_TESTDATA ? listCases(SUITES) : [];
const why = HAVE_TESTDATA ? '' : ` (skipped: libonnx-testdata is not installed, no ${TESTDATA}; apt-get install libonnx-testdata)`;

type Feeds = Record<string, ort.Tensor>;

/** The feeds of a data set, or undefined when onnxruntime-node cannot take them (sequences, optionals, bfloat16). */
function feedsOf(model: onnx.ModelProto, set: DataSet): Feeds | undefined {
  const names = feedNames(model);
  const inputs = model.graph?.input ?? [];
  const feeds: Feeds = {};
  for (const [i, name] of names.entries()) {
    if (!inputs.find((v) => v.name === name)?.type?.tensorType) return undefined;
    const t = set.inputs[i] && toTensor(set.inputs[i]);
    if (!t) return undefined;
    feeds[name] = t;
  }
  return feeds;
}

/** onnxruntime-node's outputs when it passes the data set, else undefined. */
async function ortPasses(bytes: Uint8Array, model: onnx.ModelProto, set: DataSet, feeds: Feeds): Promise<Feeds | undefined> {
  try {
    const session = await ort.InferenceSession.create(bytes);
    const out = (await session.run(feeds)) as Feeds;
    await session.release();
    const names = (model.graph?.output ?? []).map((v) => v.name ?? '');
    const ok = names.every((n, i) => {
      const expected = set.outputs[i] && toTensor(set.outputs[i]);
      return expected !== undefined && out[n] !== undefined && closeTo(out[n], expected);
    });
    return ok ? out : undefined;
  } catch {
    return undefined;
  }
}

/** Families (by case name) onnxruntime and gsparse both passed at least once. */
const passedFamilies = new Set<string>();

describe(`ONNX backend suite through InferenceSession${why}`, () => {
  it.skipIf(!HAVE_TESTDATA)('the suite has cases', () => {
    expect(cases.length).toBeGreaterThan(500);
  });

  for (const c of cases) {
    it(c.name, async (ctx) => {
      const { model, bytes, sets } = readCase(c);
      let ran = 0;
      for (const set of sets) {
        const feeds = feedsOf(model, set);
        const reference = feeds && (await ortPasses(bytes, model, set, feeds));
        if (!feeds || !reference) continue;
        // The model as given, then as compress() writes it back (gsparse's ONNX reader and writer on every
        // case; the few cases with a constant-B MatMul / Gemm are checked against `pruned` below).
        const { model: rewritten, layers } = await compress(bytes, { sparsity: 0.5, patterns: ['csr'] });
        const models = layers.every((l) => l.skipped !== undefined) ? [bytes, rewritten] : [bytes];
        for (const m of models) {
          const session = await InferenceSession.create(m);
          try {
            const out = await session.run(feeds);
            for (const name of session.outputNames) {
              expect(out[name]?.dims).toEqual(reference[name]?.dims);
              expect(out[name]?.data).toEqual(reference[name]?.data);
            }
          } finally {
            await session.release();
          }
        }
        ran++;
      }
      if (ran === 0) ctx.skip(); // onnxruntime-node itself does not pass (or cannot feed) this case
      for (const f of REQUIRED) if (c.name.startsWith(`node/test_${f}`)) passedFamilies.add(f);
    });
  }

  it.skipIf(!HAVE_TESTDATA)('every required op family had cases onnxruntime and gsparse passed', () => {
    expect([...passedFamilies].sort()).toEqual([...REQUIRED].sort());
  });
});

/** The model with its inputs at the given positions turned into initializers holding the data set's values. */
function withConstants(model: onnx.ModelProto, set: DataSet, positions: number[]): Uint8Array {
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = m.graph as onnx.GraphProto;
  const names = feedNames(model);
  for (const p of positions) {
    const name = names[p];
    const data = set.inputs[p];
    if (!name || !data) continue;
    graph.initializer.push({ ...data, name });
    graph.input = graph.input.filter((v) => v.name !== name);
  }
  return onnx.ModelProto.encode(m).finish();
}

describe(`ONNX Gemm / MatMul cases with constant B, compressed${why}`, () => {
  const linear = cases.filter((c) => /^node\/test_(gemm|matmul)_/.test(c.name));
  it.skipIf(!HAVE_TESTDATA)('the suite has Gemm and MatMul cases', () => {
    expect(linear.length).toBeGreaterThanOrEqual(13);
  });
  for (const c of linear) {
    for (const pattern of PATTERNS) {
      it(`${c.name}, ${pattern}`, async () => {
        const { model, sets } = readCase(c);
        const set = sets[0] as DataSet;
        const isGemm = c.name.includes('gemm');
        const constant = isGemm && feedNames(model).length === 3 ? [1, 2] : [1];
        const bytes = withConstants(model, set, constant);
        const aName = feedNames(model)[0] as string;
        const feeds: Feeds = { [aName]: toTensor(set.inputs[0] as onnx.TensorProto) as ort.Tensor };

        const result = await compress(bytes, { sparsity: 0.5, patterns: [pattern] });
        expect(result.layers).toHaveLength(1);
        const layer = result.layers[0];
        const unsupported = /transposeA|all_attributes/.test(c.name) || c.name.includes('matrix_bias') || /matmul_[34]d/.test(c.name);
        expect(layer?.skipped !== undefined).toBe(unsupported);

        const reference = (await (async () => {
          const s = await ort.InferenceSession.create(result.pruned);
          const out = await s.run(feeds);
          await s.release();
          return out;
        })()) as Feeds;
        const session = await InferenceSession.create(result.model);
        const out = await session.run(feeds);
        await session.release();
        const name = session.outputNames[0] as string;
        expect(out[name]?.dims).toEqual(reference[name]?.dims);
        expect(relErr(out[name]?.data as Float32Array, reference[name]?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
      });
    }
  }
});
