// How one contender is timed inside its process, in either regime (docs/benchmarks.md):
//   hot : W stays in cache between calls. Warm-up calls, then back-to-back calls; calls faster than
//         minSampleMs are looped (sample = loop time / inner).
//   cold: every cache flushed before each call. A read sweep of a buffer larger than the last-level
//         cache (untimed) precedes every timed call; one call per sample.
import { median } from '../lib/profile/measure.js';

export { median };

export type Regime = 'hot' | 'cold';
export const REGIMES: readonly Regime[] = ['hot', 'cold'];

/** One round's samples of one contender, ms per call. */
export interface Samples {
  /** Calls per sample (hot, fast calls looped); 1 in the cold regime. */
  inner: number;
  ms: number[];
}

export interface TimingOptions {
  /** Hot: at least this many samples, and at least minTimeS seconds of them (never past maxTimeS). */
  hotSamples: number;
  minTimeS: number;
  maxTimeS: number;
  /** Cold: timed calls (each after a flush). */
  coldSamples: number;
  /** Untimed calls before measuring (builds lazy copies, JIT, thread pools). */
  warmup: number;
  /** Hot: target duration of one sample; faster calls are looped. */
  minSampleMs: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6; // ms

/** Hot regime: warm-up, calibrate the loop, then samples until enough samples and time. */
export function measureHot(fn: () => unknown, o: TimingOptions): Samples {
  for (let i = 0; i < o.warmup; i++) fn();
  let t0 = now();
  fn();
  const once = now() - t0;
  const inner = once >= o.minSampleMs ? 1 : Math.min(10_000, Math.ceil(o.minSampleMs / Math.max(once, 1e-4)));
  const ms: number[] = [];
  const start = now();
  for (;;) {
    t0 = now();
    for (let i = 0; i < inner; i++) fn();
    ms.push((now() - t0) / inner);
    const spent = (now() - start) / 1000;
    if (ms.length >= o.hotSamples && spent >= o.minTimeS) break;
    if (ms.length >= 3 && spent >= o.maxTimeS) break;
  }
  return { inner, ms };
}

/** Cold regime: warm-up, then coldSamples calls, each after flush() (not timed). */
export function measureCold(fn: () => unknown, flush: () => void, o: TimingOptions): Samples {
  for (let i = 0; i < o.warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < o.coldSamples; i++) {
    flush();
    const t0 = now();
    fn();
    ms.push(now() - t0);
  }
  return { inner: 1, ms };
}

/**
 * A cache flush for the cold regime: `bytes` (default 512 MiB, above the dev VM's 300 MiB L3) of
 * non-zero data (zero pages would all map to one physical page) read once per call by a native memcmp
 * of the two equal halves. Reads only, so no dirty lines are left to write back during the timed call.
 */
export function makeFlush(bytes = 512 * 2 ** 20): () => void {
  const buf = Buffer.alloc(bytes, 1);
  const half = bytes / 2;
  const a = buf.subarray(0, half);
  const b = buf.subarray(half);
  return () => {
    if (Buffer.compare(a, b) !== 0) throw new Error('flush buffer halves differ');
  };
}


/** Median cost of one setImmediate hop + promise (what ORT's public session.run() adds around the native run). */
export async function immediateHopUs(count = 200): Promise<number> {
  const s: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    s.push((now() - t0) * 1000);
  }
  return median(s);
}
