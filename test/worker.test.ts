// The addon is context-aware: it loads in worker_threads, works there, and survives workers
// being terminated mid-call. The workers of the first tests run test/helpers/worker-main.ts
// through tsx (see test/helpers/worker-host.ts for why).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hardware, pack } from '../lib/index.js';
import { describeDiff, matmulRef, randn, scaledErr } from './helpers/reference.js';
import { runNode } from './helpers/run-node.js';
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
    const job = { rows: 96, cols: 130, batch: 5, pattern: 'gs:16', sparsity: 0.75, label: 'worker-1', xSeed: 31 };
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
      rows: 40 + k * 10, cols: 64, batch: 2 + k, pattern: ['csr', 'gs:16x4', '2:4', 'dense'][k],
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

  // Each storm runs in a child process (test/helpers/teardown-storm-child.mjs): if the addon lets a
  // C++ exception escape while a worker's environment is torn down, the child aborts (SIGABRT) and the
  // test fails with its output instead of killing vitest's worker. The child and its workers run the
  // compiled package (dist/, kept fresh by test/global-setup.ts) so that a worker starts fast.
  it.each([
    ['matmulAsync / matmul / pack / dispose', 'kernels'],
    ['InferenceSession create / run / release', 'model'],
  ])('200 workers terminated at random moments during unawaited %s never abort the process (issue 18)', async (_what, mode) => {
    const r = await runNode([fileURLToPath(new URL('./helpers/teardown-storm-child.mjs', import.meta.url)), '200', mode], 300_000);
    expect(r.signal, r.detail).toBeNull();
    expect(r.status, r.detail).toBe(0);
    expect(r.stdout, r.detail).toMatch(new RegExp(`^OK 200 cycles of ${mode}`));
  });
});
