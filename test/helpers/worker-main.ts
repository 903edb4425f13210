// Runs inside a worker_thread (started by worker-host.ts): packs a seeded matrix, runs matmul +
// matmulAsync, and posts the results and some facts.
import { parentPort, workerData } from 'node:worker_threads';
import { GsparseError, hardware, pack } from '../../lib/index.js';
import { randn } from './reference.js';
import { weightsFor } from './util.js';

interface Job {
  rows: number;
  cols: number;
  batch: number;
  pattern: string;
  sparsity?: number;
  label: string;
  xSeed: number;
}

const job = workerData as Job;
const port = parentPort!;

async function main(): Promise<void> {
  const w = weightsFor(job.rows, job.cols, job.label);
  const sm = pack(w, [job.rows, job.cols], job.sparsity === undefined ? { pattern: job.pattern } : { pattern: job.pattern, sparsity: job.sparsity });
  const x = randn(job.batch * job.cols, job.xSeed);
  const y = sm.matmul(x, job.batch);
  const yAsync = await sm.matmulAsync(x, job.batch);
  const dense = sm.toDense();
  // error classes must work in this context too
  const probe = pack(w, [job.rows, job.cols], { pattern: 'csr', sparsity: 0.5 });
  probe.dispose();
  let disposedCode: string | undefined;
  let disposedIsGsparse = false;
  try {
    probe.toDense();
  } catch (e) {
    disposedIsGsparse = e instanceof GsparseError && e instanceof Error;
    disposedCode = (e as { code?: string }).code;
  }
  let rangeOk = false;
  try {
    sm.matmul(x, 0);
  } catch (e) {
    rangeOk = e instanceof RangeError;
  }
  port.postMessage({ type: 'result', y, yAsync, dense, hw: hardware(), disposedCode, disposedIsGsparse, rangeOk });
  sm.dispose();
}

main().catch((e: unknown) => {
  port.postMessage({ type: 'fail', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
});
