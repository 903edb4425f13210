// The addon is context-aware: it loads in worker_threads, works there, and survives workers
// being terminated mid-call. The worker runs test/helpers/worker-main.ts through tsx (see
// test/helpers/worker-host.ts for why).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hardware, pack } from '../lib/index.js';
import { describeDiff, matmulRef, randn, scaledErr } from './helpers/reference.js';
import { startWorker, waitFor } from './helpers/worker-host.js';
import { weightsFor } from './helpers/util.js';

const TOL = 1e-5;

interface Result {
  type: 'result';
  y: Float32Array;
  yAsync: Float32Array;
  dense: Float32Array;
  hw: ReturnType<typeof hardware>;
  disposedCode?: string;
  disposedIsGsparse: boolean;
  rangeOk: boolean;
}

describe('worker_threads', () => {
  it('a worker loads the addon, runs a matmul, and agrees with the main thread', async () => {
    const job = { mode: 'matmul', rows: 96, cols: 130, batch: 5, pattern: 'gs:16', sparsity: 0.75, label: 'worker-1', xSeed: 31 };
    const w = startWorker(job);
    try {
      const r = await waitFor<Result>(w, (m) => (m as { type?: string }).type === 'result');
      // the main thread packs the same seeded weights itself
      const sm = pack(weightsFor(job.rows, job.cols, job.label), [job.rows, job.cols], { pattern: job.pattern, sparsity: job.sparsity });
      const dense = sm.toDense();
      expect(describeDiff(r.dense, dense)).toBeNull();
      const x = randn(job.batch * job.cols, job.xSeed);
      const ref = matmulRef(dense, job.rows, job.cols, x, job.batch);
      expect(scaledErr(r.y, ref).maxErr).toBeLessThanOrEqual(TOL);
      expect(scaledErr(r.yAsync, ref).maxErr).toBeLessThanOrEqual(TOL);
      expect(scaledErr(sm.matmul(x, job.batch), ref).maxErr).toBeLessThanOrEqual(TOL);
      expect(r.hw).toEqual(hardware());
      expect(r.disposedIsGsparse).toBe(true);
      expect(r.disposedCode).toBe('E_DISPOSED');
      expect(r.rangeOk).toBe(true);
      sm.dispose();
    } finally {
      await w.terminate();
    }
  });

  it('four workers at once', async () => {
    const jobs = [0, 1, 2, 3].map((k) => ({
      mode: 'matmul', rows: 40 + k * 10, cols: 64, batch: 2 + k, pattern: ['csr', 'gs:16x4', '2:4', 'dense'][k],
      sparsity: [0.9, 0.5, 0.5, undefined][k], label: `worker-4-${k}`, xSeed: 100 + k,
    }));
    const workers = jobs.map((j) => startWorker(j));
    try {
      const rs = await Promise.all(workers.map((w) => waitFor<Result>(w, (m) => (m as { type?: string }).type === 'result')));
      rs.forEach((r, k) => {
        const j = jobs[k];
        const x = randn(j.batch * j.cols, j.xSeed);
        const ref = matmulRef(r.dense, j.rows, j.cols, x, j.batch);
        expect(scaledErr(r.y, ref).maxErr, j.pattern).toBeLessThanOrEqual(TOL);
        expect(scaledErr(r.yAsync, ref).maxErr, j.pattern).toBeLessThanOrEqual(TOL);
      });
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it('terminating a worker in the middle of a matmulAsync loop, 5 times, leaves the main thread working', () => {
    // Runs in a child process (test/helpers/terminate-child.ts): if the addon aborts the process on
    // environment teardown, this test fails with the child's output instead of killing vitest's worker.
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./helpers/terminate-child.ts', import.meta.url))], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 120_000,
    });
    const detail = `exit ${r.status} signal ${r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect(r.signal, detail).toBeNull();
    expect(r.status, detail).toBe(0);
    expect(r.stdout, detail).toContain('OK');
  });
});
