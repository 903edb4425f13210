// The one timing engine of gsparse: profile()'s cells and `npm run bench`'s contenders (docs/benchmarks.md).
//   hot : warm-up calls, then back-to-back calls; W stays in cache. Calls faster than minSampleMs are
//         looped, so that one sample (loop time / inner) is long enough for the clock.
//   cold: warm-up calls, then each timed call after flush() (untimed: a sweep larger than the last-level
//         cache, cache-flush.ts); one call per sample, since a looped call would find W in cache again.
// Both stop at maxRepeats samples, or once minRepeats samples and minTimeMs of measured time are in, or
// once maxTimeMs was measured (a median needs at least 3 samples).
import type { MeasureOptions, Regime, Timing } from './types.js';

/** The regimes, in the order reports list them. */
export const REGIMES: readonly Regime[] = ['hot', 'cold'];

/** Measure defaults (profile()): 1 warm-up, 3..50 repeats, keep going until 30 ms were measured. */
export const DEFAULT_MEASURE: Required<MeasureOptions> = { warmup: 1, minRepeats: 3, maxRepeats: 50, minTimeMs: 30 };

/** How sample() times a call: MeasureOptions resolved, plus the bench's looping of fast calls and time cap. */
export interface SamplePlan extends Required<MeasureOptions> {
  /** Stop once this much time was measured, even short of minRepeats / minTimeMs (default: no cap). */
  maxTimeMs?: number;
  /** Hot: calls faster than this are looped, `inner` calls per sample (default 0: one call per sample). */
  minSampleMs?: number;
}

/** Raw samples of one measurement: ms per call, each the mean of `inner` back-to-back calls. */
export interface Samples {
  /** Calls per sample: above 1 only when fast hot calls were looped. */
  inner: number;
  ms: number[];
}

/** Most calls one looped sample makes (a call under minSampleMs / 10^4 is not worth more). */
const MAX_INNER = 10_000;
/** Fewest samples the maxTimeMs cap leaves (a median and a spread need 3). */
const MIN_CAPPED = 3;

/** Times fn per plan: the hot regime without `flush`, the cold one with it (called before every timed call). */
export function sample(fn: () => unknown, plan: SamplePlan, flush?: () => void): Samples {
  const minRepeats = Math.max(1, Math.min(plan.minRepeats, plan.maxRepeats));
  const maxTimeMs = plan.maxTimeMs ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < plan.warmup; i++) fn();
  const inner = flush === undefined ? loopCount(fn, plan.minSampleMs ?? 0) : 1;
  const ms: number[] = [];
  let spent = 0;
  for (;;) {
    flush?.();
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    const dt = performance.now() - t0;
    ms.push(dt / inner);
    spent += dt;
    const n = ms.length;
    if (n >= plan.maxRepeats || (n >= minRepeats && spent >= plan.minTimeMs) || (n >= MIN_CAPPED && spent >= maxTimeMs)) break;
  }
  return { inner, ms };
}

/** Hot: calls per sample so that one sample lasts at least minSampleMs, from one timed calibration call. */
function loopCount(fn: () => unknown, minSampleMs: number): number {
  if (minSampleMs <= 0) return 1;
  const t0 = performance.now();
  fn();
  const once = performance.now() - t0;
  return once >= minSampleMs ? 1 : Math.min(MAX_INNER, Math.ceil(minSampleMs / Math.max(once, 1e-4)));
}

/** Times fn as profile() times a cell (one call per sample) and summarises; `flush` makes it cold. */
export function measure(fn: () => void, opts: MeasureOptions = {}, flush?: () => void): Timing {
  return summarize(sample(fn, { ...DEFAULT_MEASURE, ...definedOnly(opts) }, flush).ms);
}

/** Linear-interpolated quantile q in [0, 1] of ascending values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Median (linear interpolation between the middle two); the input is not modified. */
export function median(xs: readonly number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

/** Summarises raw times (ms) into median, p10, p90 and min. */
export function summarize(times: readonly number[]): Timing {
  const s = [...times].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), min: s[0] ?? Number.NaN, repeats: s.length };
}

function definedOnly(o: MeasureOptions): MeasureOptions {
  const out: MeasureOptions = {};
  if (o.warmup !== undefined) out.warmup = o.warmup;
  if (o.minRepeats !== undefined) out.minRepeats = o.minRepeats;
  if (o.maxRepeats !== undefined) out.maxRepeats = o.maxRepeats;
  if (o.minTimeMs !== undefined) out.minTimeMs = o.minTimeMs;
  return out;
}
