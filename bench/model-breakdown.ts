// Where a compressed model's time goes: onnxruntime segments, gsparse nodes, and the hand-offs between them
// (feed checks, tensor wrapping, scheduling). Measured by wrapping the two run methods for the length of the
// measurement, in a process where nothing else runs, after the timed rounds.
import * as ort from 'onnxruntime-node';

import { InferenceSession, type Tensor } from '../lib/index.js';
import { SparseLinearKernel } from '../lib/model/sparse-linear.js';

export interface Breakdown {
  totalMs: number;
  ortMs: number;
  gsparseMs: number;
  handoffMs: number;
  ortCalls: number;
  gsparseCalls: number;
}

type RunFn = (this: unknown, ...args: unknown[]) => Promise<unknown>;

/** Mean per-run times of `runs` runs of the compressed model on feeds, split by who ran. */
export async function breakdown(model: string, feeds: Record<string, Tensor>, runs: number): Promise<Breakdown> {
  const session = await InferenceSession.create(model);
  const ortProto = (ort.InferenceSession as unknown as { prototype: { run: RunFn } }).prototype;
  const gsProto = SparseLinearKernel.prototype as unknown as { run: RunFn };
  const ortRun = ortProto.run;
  const gsRun = gsProto.run;
  const acc = { ort: 0, gs: 0, ortCalls: 0, gsCalls: 0 };
  // Concurrent gsparse nodes of one step overlap: count each step's wall time once.
  let inFlight = 0;
  let stepStart = 0;
  ortProto.run = async function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return await ortRun.apply(this, args);
    } finally {
      acc.ort += performance.now() - t0;
      acc.ortCalls++;
    }
  };
  gsProto.run = async function (this: unknown, ...args: unknown[]) {
    if (inFlight++ === 0) stepStart = performance.now();
    try {
      return await gsRun.apply(this, args);
    } finally {
      acc.gsCalls++;
      if (--inFlight === 0) acc.gs += performance.now() - stepStart;
    }
  };
  try {
    for (let i = 0; i < 3; i++) await session.run(feeds);
    Object.assign(acc, { ort: 0, gs: 0, ortCalls: 0, gsCalls: 0 });
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    const totalMs = (performance.now() - t0) / runs;
    const ortMs = acc.ort / runs;
    const gsparseMs = acc.gs / runs;
    return { totalMs, ortMs, gsparseMs, handoffMs: totalMs - ortMs - gsparseMs, ortCalls: acc.ortCalls / runs, gsparseCalls: acc.gsCalls / runs };
  } finally {
    ortProto.run = ortRun;
    gsProto.run = gsRun;
    await session.release();
  }
}
