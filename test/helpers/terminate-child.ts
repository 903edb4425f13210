// Child-process body of worker.test.ts's termination test, so that an abort in the addon fails
// that one test with its message instead of killing the vitest worker process.
// Run as: node --import tsx test/helpers/terminate-child.ts  -> prints "OK" and exits 0 on success.
import { hardware, pack } from '../../lib/index.js';
import { matmulRef, mulberry32, randn, scaledErr } from './reference.js';
import { weightsFor } from './util.js';
import { startWorker, waitFor } from './worker-host.js';

const TOL = 1e-5;

async function main(): Promise<void> {
  const u = mulberry32(2024);
  for (let round = 0; round < 5; round++) {
    const w = startWorker({
      mode: 'loop', rows: 1024, cols: 1024, batch: 32, pattern: round % 2 ? 'dense' : 'gs:16',
      sparsity: round % 2 ? undefined : 0.5, label: `loop-${round}`, xSeed: round,
    });
    await waitFor(w, (m) => (m as { type?: string }).type === 'ready');
    if (round % 2 === 0) await waitFor(w, (m) => (m as { type?: string }).type === 'progress');
    await new Promise((r) => setTimeout(r, Math.floor(u() * 30)));
    const code = await w.terminate();
    if (code !== 1) throw new Error(`round ${round}: terminate() gave exit code ${code}, expected 1`);
    console.log(`round ${round} terminated`);
  }
  // the main thread still works, sync and async
  const rows = 200;
  const cols = 300;
  const sm = pack(weightsFor(rows, cols, 'after-terminate'), [rows, cols], { pattern: 'gs:16', sparsity: 0.8 });
  const dense = sm.toDense();
  const x = randn(7 * cols, 3);
  const ref = matmulRef(dense, rows, cols, x, 7);
  const e1 = scaledErr(sm.matmul(x, 7), ref).maxErr;
  const e2 = scaledErr(await sm.matmulAsync(x, 7), ref).maxErr;
  if (!(e1 <= TOL && e2 <= TOL)) throw new Error(`main thread wrong after terminations: ${e1}, ${e2}`);
  sm.dispose();
  // and a fresh worker still loads the addon
  const w = startWorker({ mode: 'matmul', rows: 32, cols: 32, batch: 1, pattern: 'csr', sparsity: 0.5, label: 'after', xSeed: 1 });
  const r = await waitFor<{ y: Float32Array; dense: Float32Array }>(w, (m) => (m as { type?: string }).type === 'result');
  await w.terminate();
  const e3 = scaledErr(r.y, matmulRef(r.dense, 32, 32, randn(32, 1), 1)).maxErr;
  if (!(e3 <= TOL)) throw new Error(`fresh worker wrong: ${e3}`);
  if (hardware().threads < 1) throw new Error('hardware() broken');
  console.log('OK');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  },
);
