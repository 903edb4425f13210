// Whole-model bench: gsparse's InferenceSession on the compressed model against onnxruntime-node on the dense
// model at its default options (spinning intra-op threads included), as docs/benchmarks.md
// asks: each contender in its own process (lib/profile/model-child.ts), rounds alternating which goes first, each
// round's ratio from that round's medians, the figure the median of the rounds.
//   npx tsx bench/models.ts [--models mlp,bert2] [--sparsity 0.9] [--pattern gs:16] [--batch 1] [--seq 128]
//                           [--rounds 7] [--runs 10] [--ort-spin false]
// --ort-spin false: onnxruntime with intra-op spinning off (not its default; steadier on a loaded machine).
// Prints per model: both medians, the speedup (median of the rounds, and its range), and the split of the
// compressed model's time between onnxruntime segments, gsparse nodes and hand-offs (bench/model-breakdown.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import * as ort from 'onnxruntime-node';

import { compress, hardware, InferenceSession, Tensor } from '../lib/index.js';
import { Contender, sleep } from '../lib/profile/contender.js';
import type { ModelChildArgs } from '../lib/profile/model-child.js';
import { gaussian, relErr, seedOf } from './data.js';
import { breakdown } from './model-breakdown.js';
import { encoderModel, mlpModel } from './model-graphs.js';
import { median } from '../lib/profile/measure.js';

const { values: opt } = parseArgs({
  options: {
    models: { type: 'string', default: 'mlp,bert2' },
    sparsity: { type: 'string', default: '0.9' },
    pattern: { type: 'string', default: `gs:${hardware().recommendedBanks}` },
    batch: { type: 'string', default: '1' },
    seq: { type: 'string', default: '128' },
    rounds: { type: 'string', default: '7' },
    runs: { type: 'string', default: '10' },
    'ort-spin': { type: 'string', default: 'true' },
  },
});
const sparsity = Number(opt.sparsity);
const batch = Number(opt.batch);
const seq = Number(opt.seq);

interface BenchModel {
  name: string;
  bytes: () => Uint8Array;
  dims: number[];
}

const MODELS: Record<string, BenchModel> = {
  mlp: { name: 'MLP 3 x 4096', bytes: () => mlpModel(4096, 3), dims: [batch, 4096] },
  bert2: { name: `BERT-base encoder, 2 layers, seq ${seq}`, bytes: () => encoderModel({ hidden: 768, heads: 12, ffn: 3072, layers: 2 }), dims: [batch, seq, 768] },
  bert12: { name: `BERT-base encoder, 12 layers, seq ${seq}`, bytes: () => encoderModel({ hidden: 768, heads: 12, ffn: 3072, layers: 12 }), dims: [batch, seq, 768] },
};

/** One contender of the model bench in its own process (lib/profile/model-child.ts, as profileModel uses). */
function contender(engine: 'ort' | 'gsparse', model: string, dims: number[]): Promise<Contender> {
  const args: ModelChildArgs = { engine, model, feeds: [{ name: 'X', type: 'float32', dims }], ortSpin: opt['ort-spin'] !== 'false' };
  return Contender.start(new URL('../lib/profile/model-child.ts', import.meta.url), args);
}

/** The bench input (the children build the same). */
function input(dims: number[]): Tensor {
  return new Tensor('float32', gaussian(dims.reduce((a, b) => a * b, 1), seedOf('model-bench-x')), dims);
}

/** gsparse on the compressed model against onnxruntime on pruned, on the bench input: rel err. */
async function check(compressed: Uint8Array, pruned: Uint8Array, dims: number[]): Promise<number> {
  const x = input(dims);
  const ref = await ort.InferenceSession.create(pruned);
  const want = (await ref.run({ X: x })).Y?.data as Float32Array;
  await ref.release();
  const ours = await InferenceSession.create(compressed);
  const got = (await ours.run({ X: x })).Y?.data as Float32Array;
  await ours.release();
  return relErr(got, want);
}

async function benchModel(key: string, dir: string): Promise<void> {
  const m = MODELS[key];
  if (!m) throw new RangeError(`--models: unknown model '${key}' (known: ${Object.keys(MODELS).join(', ')})`);
  const dense = m.bytes();
  const t0 = performance.now();
  const result = await compress(dense, { sparsity, patterns: [opt.pattern as string] });
  const compressMs = performance.now() - t0;
  const denseFile = path.join(dir, `${key}-dense.onnx`);
  const compressedFile = path.join(dir, `${key}-compressed.onnx`);
  await writeFile(denseFile, dense);
  await writeFile(compressedFile, result.model);
  const err = await check(result.model, result.pruned, m.dims);
  const layers = result.layers.filter((l) => l.skipped === undefined);
  const packed = layers.reduce((a, l) => a + (l.byteLength ?? 0), 0);
  const denseBytes = layers.reduce((a, l) => a + (l.denseBytes ?? 0), 0);
  console.log(`\n${m.name}, batch ${batch}, ${opt.pattern} at ${sparsity}: ${layers.length} layers compressed in ${(compressMs / 1000).toFixed(1)} s, ` +
    `weights ${(denseBytes / 2 ** 20).toFixed(1)} -> ${(packed / 2 ** 20).toFixed(1)} MiB, rel err vs onnxruntime on pruned ${err.toExponential(1)}`);

  const ortChild = await contender('ort', denseFile, m.dims);
  const gsChild = await contender('gsparse', compressedFile, m.dims);
  const rows: { ort: number; gs: number; ratio: number }[] = [];
  try {
    for (let r = 0; r < Number(opt.rounds); r++) {
      const order: ['ort' | 'gs', Contender][] = r % 2 === 0 ? [['ort', ortChild], ['gs', gsChild]] : [['gs', gsChild], ['ort', ortChild]];
      const medians: Record<string, number> = {};
      for (const [name, child] of order) {
        await sleep(300); // let the other contender's threads stop spinning
        medians[name] = median((await child.request<{ times: number[] }>({ runs: Number(opt.runs) })).times);
      }
      rows.push({ ort: medians.ort as number, gs: medians.gs as number, ratio: (medians.ort as number) / (medians.gs as number) });
    }
  } finally {
    await Promise.all([ortChild.close(), gsChild.close()]);
  }
  const ratios = rows.map((r) => r.ratio);
  console.log(`  onnxruntime-node dense (${opt['ort-spin'] === 'false' ? 'spinning off' : 'defaults'}): ${median(rows.map((r) => r.ort)).toFixed(2)} ms   ` +
    `gsparse: ${median(rows.map((r) => r.gs)).toFixed(2)} ms   ` +
    `speedup ${median(ratios).toFixed(2)}x (rounds ${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)}, ${rows.length} rounds x ${opt.runs} runs)`);
  const b = await breakdown(compressedFile, { X: input(m.dims) }, Number(opt.runs));
  const share = (ms: number) => `${ms.toFixed(2)} ms (${((100 * ms) / b.totalMs).toFixed(1)}%)`;
  console.log(`  gsparse session ${b.totalMs.toFixed(2)} ms: onnxruntime segments ${share(b.ortMs)} in ${b.ortCalls} calls, ` +
    `gsparse nodes ${share(b.gsparseMs)} in ${b.gsparseCalls} calls, hand-offs ${share(b.handoffMs)}`);
}

const dir = await mkdtemp(path.join(tmpdir(), 'gsparse-models-'));
try {
  console.log(`model bench: gsparse (threads ${hardware().threads}, ${hardware().simd}) vs onnxruntime-node ${ort.env.versions.node ?? ''} ` +
    `${opt['ort-spin'] === 'false' ? 'with spinning off' : 'at its defaults'}, each in its own process`);
  for (const key of (opt.models as string).split(',')) await benchModel(key.trim(), dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
