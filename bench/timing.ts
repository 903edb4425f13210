// Interleaved timing: the peers of one group (our sparse formats, our dense, ORT dense) take turns in
// every repeat, in a rotating order, so machine noise (other tenants, turbo, thermal) hits them alike
// and the ratios computed from one run are fair.
import { quantile } from '../lib/profile/measure.js';

/** A contender: one call of fn is one Y = X · Wᵀ. It may return a promise (awaited inside the timing). */
export interface Peer {
  id: string;
  fn: () => unknown;
}

/** Milliseconds per call. The spread is p10..p90 of the per-repeat samples (linear interpolation). */
export interface Stats {
  /** Repeats (samples) taken. */
  n: number;
  /** Calls per sample (fast calls are looped so one sample is >= minSampleMs; sample = loop time / inner). */
  inner: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
}

export interface TimingOptions {
  /** At least this many samples per peer (unless the next repeat would end past maxGroupS; never fewer than 3). */
  minRepeats: number;
  /** The group runs until it has spent minTimePerPeerS x (number of peers) seconds in total... */
  minTimePerPeerS: number;
  /** ...but never more than this (slow kernels at big batches would otherwise take minutes). */
  maxGroupS: number;
  /** Untimed calls per peer before measuring. */
  warmup: number;
  /** Target duration of one sample; calls faster than this are looped. */
  minSampleMs: number;
}

export const DEFAULT_TIMING: TimingOptions = {
  minRepeats: 7,
  minTimePerPeerS: 0.3,
  maxGroupS: 30,
  warmup: 2,
  minSampleMs: 2,
};

const now = (): number => Number(process.hrtime.bigint()) / 1e6; // ms

async function call(fn: () => unknown): Promise<void> {
  const r = fn();
  if (r instanceof Promise) await r;
}

async function timeLoop(fn: () => unknown, inner: number): Promise<number> {
  const t0 = now();
  for (let i = 0; i < inner; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  return (now() - t0) / inner;
}

export function summarize(samples: readonly number[], inner: number): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    inner,
    median: quantile(s, 0.5),
    p10: quantile(s, 0.1),
    p90: quantile(s, 0.9),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
  };
}

/** Measures all peers interleaved; returns Stats per peer id. */
export async function measureInterleaved(peers: readonly Peer[], opts: TimingOptions = DEFAULT_TIMING): Promise<Map<string, Stats>> {
  const start = now();
  // Warm-up, then calibrate how many calls make one sample.
  const inner = new Map<string, number>();
  for (const p of peers) {
    for (let i = 0; i < opts.warmup; i++) await call(p.fn);
    const t = await timeLoop(p.fn, 1);
    inner.set(p.id, t >= opts.minSampleMs ? 1 : Math.min(10_000, Math.ceil(opts.minSampleMs / Math.max(t, 1e-4))));
  }
  const samples = new Map<string, number[]>(peers.map((p) => [p.id, []]));
  const budgetMs = opts.minTimePerPeerS * 1000 * peers.length;
  const measureStart = now();
  for (let rep = 0; ; rep++) {
    // Rotate the order each repeat so no peer always follows the same neighbour.
    for (let k = 0; k < peers.length; k++) {
      const p = peers[(rep + k) % peers.length] as Peer;
      const t = await timeLoop(p.fn, inner.get(p.id) ?? 1);
      samples.get(p.id)?.push(t);
    }
    const n = rep + 1;
    const elapsed = now() - measureStart;
    if (n >= opts.minRepeats && elapsed >= budgetMs) break;
    // Cap: do not start a repeat that would end past maxGroupS (but always take 3 samples).
    if (n >= 3 && now() - start + elapsed / n >= opts.maxGroupS * 1000) break;
  }
  const out = new Map<string, Stats>();
  for (const p of peers) out.set(p.id, summarize(samples.get(p.id) ?? [], inner.get(p.id) ?? 1));
  return out;
}

/** Median cost of one setImmediate hop + promise (what ORT's public session.run() adds around the native run). */
export async function immediateHopUs(count = 200): Promise<number> {
  const s: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    s.push((now() - t0) * 1000);
  }
  s.sort((a, b) => a - b);
  return quantile(s, 0.5);
}
