// Child-process body of worker.test.ts's teardown storms (issue 18). CYCLES times: start a worker
// that fires unawaited work and terminate it at a random moment: a third while it is still starting
// (loading the addon, packing, creating sessions), the rest after 0-3 turns of calls plus a random
// delay. Mode 'kernels' (storm-worker.mjs): matmulAsync / matmul / pack / dispose. Mode 'model'
// (storm-model-worker.mjs): InferenceSession create / run / release on a compressed model. An addon
// that lets a C++ exception escape during environment teardown aborts this whole process. Afterwards
// the main thread must still compute correctly. Prints "OK <cycles> ..." and exits 0 on success.
// Run as: node test/helpers/teardown-storm-child.mjs [cycles] [kernels|model]
import { Worker } from 'node:worker_threads';
import { compress, pack } from '../../dist/index.js';
import { mlpModel } from './mlp-model.mjs';

const cycles = Number(process.argv[2] ?? 200);
const mode = process.argv[3] ?? 'kernels';
const worker =
  mode === 'model'
    ? { url: new URL('./storm-model-worker.mjs', import.meta.url), data: { model: (await compress(mlpModel(64, 128, 10), { sparsity: 0.9, patterns: ['gs:16'] })).model, inputName: 'x', dims: [4, 64] } }
    : { url: new URL('./storm-worker.mjs', import.meta.url), data: { rows: 1024, cols: 1024, batch: 32 } };
let s = 18;
const u = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);

function next(w, pred) {
  return new Promise((resolve, reject) => {
    const onMsg = (m) => { if (pred(m)) { done(); resolve(m); } };
    const onErr = (e) => { done(); reject(e); };
    const onExit = (c) => { done(); reject(new Error(`worker exited (${c}) early`)); };
    const done = () => { w.off('message', onMsg); w.off('error', onErr); w.off('exit', onExit); };
    w.on('message', onMsg); w.on('error', onErr); w.on('exit', onExit);
  });
}

const started = Date.now();
let early = 0;
for (let c = 0; c < cycles; c++) {
  const w = new Worker(worker.url, { workerData: { ...worker.data, seed: c + 1 } });
  if (u() < 1 / 3) {
    early++;
  } else {
    await next(w, (m) => m.type === 'ready');
    const turns = Math.floor(u() * 4);
    if (turns > 0) await next(w, (m) => m.type === 'progress' && m.turn >= turns - 1);
  }
  await new Promise((r) => setTimeout(r, Math.floor(u() * 20)));
  await w.terminate();
}

// The main thread still works, sync and async, against a plain float64 reference.
const rows = 200, cols = 300, batch = 7;
const wts = Float32Array.from({ length: rows * cols }, () => u() * 2 - 1);
const x = Float32Array.from({ length: batch * cols }, () => u() * 2 - 1);
const m = pack(wts, [rows, cols], { pattern: 'gs:16', sparsity: 0.8 });
const d = m.toDense();
const ref = new Float64Array(batch * rows);
for (let b = 0; b < batch; b++)
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let k = 0; k < cols; k++) acc += d[r * cols + k] * x[b * cols + k];
    ref[b * rows + r] = acc;
  }
const maxErr = (y) => y.reduce((e, v, i) => Math.max(e, Math.abs(v - ref[i])), 0);
const e1 = maxErr(m.matmul(x, batch));
const e2 = maxErr(await m.matmulAsync(x, batch));
if (!(e1 <= 1e-4 && e2 <= 1e-4)) throw new Error(`main thread wrong after the storm: ${e1}, ${e2}`);
m.dispose();
console.log(`OK ${cycles} cycles of ${mode} (${early} terminated while starting) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
