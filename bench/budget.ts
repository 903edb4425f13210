// Budgeted compression against uniform sparsity at the same measured speed (issue: budgeted compression):
//   npm run bench:budget -- [--model bert2|bert12] [--speedup 2.5] [--uniform 0.6,0.7,0.8,0.9] [--calibrate true]
// 1. compress({ target: { speedup } }) on the BERT-shaped encoder (seq 128, batch 1), with calibration feeds;
// 2. the same model compressed uniformly (patterns 'auto') at each --uniform sparsity, all timed end to end
//    against onnxruntime-node on the dense model (each in its own process, alternating rounds, median ratio);
// 3. each one's output error against the dense model on held-out inputs (onnxruntime on `pruned` vs dense).
// Prints, per model: measured speedup and held-out error, so the allocation can be compared with the uniform
// sparsity that reaches the same speed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import * as ort from 'onnxruntime-node';

import { compress, Tensor } from '../lib/index.js';
import { DenseReference } from '../lib/profile/model-timing.js';
import { gaussian, relErr, seedOf } from './data.js';
import { encoderModel } from './model-graphs.js';

const { values: opt } = parseArgs({
  options: {
    model: { type: 'string', default: 'bert2' },
    speedup: { type: 'string', default: '2.5' },
    uniform: { type: 'string', default: '0.6,0.7,0.8,0.9' },
    calibrate: { type: 'string', default: 'true' },
  },
});
const SEQ = 128;
const dims = [1, SEQ, 768];
const layersOf = (m: string): number => (m === 'bert12' ? 12 : 2);
const x = (label: string): Float32Array => gaussian(dims.reduce((a, b) => a * b, 1), seedOf(label));

async function heldOutError(dense: Uint8Array, pruned: Uint8Array): Promise<number> {
  let worst = 0;
  for (let k = 0; k < 2; k++) {
    const feeds = { X: new ort.Tensor('float32', x(`held-out-${k}`), dims) };
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes);
      try {
        return (await s.run(feeds)).Y?.data as Float32Array;
      } finally {
        await s.release();
      }
    };
    worst = Math.max(worst, relErr(await run(pruned), await run(dense)));
  }
  return worst;
}

const dense = encoderModel({ hidden: 768, heads: 12, ffn: 3072, layers: layersOf(opt.model as string) });
const calibration = opt.calibrate === 'true' ? [0, 1, 2, 3].map((k) => ({ X: new Tensor('float32', x(`calibration-${k}`), dims) })) : undefined;
const dir = await mkdtemp(path.join(tmpdir(), 'gsparse-bench-budget-'));
try {
  const t0 = performance.now();
  const allocated = await compress(dense, { target: { speedup: Number(opt.speedup), dims: { batch: 1, seq: SEQ } }, ...(calibration ? { calibration } : {}) });
  const allocMs = performance.now() - t0;
  const t = allocated.target;
  console.log(`${opt.model}: target speedup ${opt.speedup}: ${t?.met ? 'met' : 'NOT met'} in ${(allocMs / 1000).toFixed(0)} s; tries ${JSON.stringify(t?.tries.map((x) => ({ predicted: +x.predicted.toFixed(2), measured: +x.measured.toFixed(2) })))}`);
  const picks = new Map<string, number>();
  for (const l of allocated.layers) if (l.pattern) picks.set(`${l.pattern}@${Math.round((l.sparsity ?? 0) * 100)}%`, (picks.get(`${l.pattern}@${Math.round((l.sparsity ?? 0) * 100)}%`) ?? 0) + 1);
  console.log(`  allocated: ${[...picks].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  const rows: { name: string; model: Uint8Array; pruned: Uint8Array }[] = [{ name: 'allocated', model: allocated.model, pruned: allocated.pruned }];
  for (const u of (opt.uniform as string).split(',').map(Number)) {
    const r = await compress(dense, { sparsity: u, batch: SEQ, ...(calibration ? { calibration } : {}) });
    rows.push({ name: `uniform ${u}`, model: r.model, pruned: r.pruned });
  }
  const denseFile = path.join(dir, 'dense.onnx');
  await writeFile(denseFile, dense);
  const files = await Promise.all(rows.map(async (r, i) => {
    const f = path.join(dir, `m${i}.onnx`);
    await writeFile(f, r.model);
    return f;
  }));
  const reference = await DenseReference.start(denseFile, [{ name: 'X', type: 'float32', dims }]);
  try {
    const timings = await reference.time(files, { rounds: 5, runs: 10 });
    for (const [i, r] of rows.entries()) {
      const tm = timings[i];
      console.log(`  ${r.name.padEnd(14)} speedup ${tm?.speedup.toFixed(2)}x (rounds ${Math.min(...(tm?.roundSpeedups ?? [])).toFixed(2)}..${Math.max(...(tm?.roundSpeedups ?? [])).toFixed(2)}), ` +
        `${tm?.ms.toFixed(1)} ms vs dense ${tm?.denseMs.toFixed(1)} ms; held-out output error ${(await heldOutError(dense, r.pruned)).toFixed(4)}`);
    }
  } finally {
    await reference.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
