// Timing of one profile cell: warm-up, adaptive repeats, median and spread.
import type { MeasureOptions, Timing } from './types.js';

/** Measure defaults: 1 warm-up, 3..50 repeats, keep going until 30 ms were measured. */
export const DEFAULT_MEASURE: Required<MeasureOptions> = { warmup: 1, minRepeats: 3, maxRepeats: 50, minTimeMs: 30 };

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

/** Times fn: warm-up calls, then repeats until minRepeats and minTimeMs are met (at most maxRepeats). */
export function measure(fn: () => void, opts: MeasureOptions = {}): Timing {
  const o = { ...DEFAULT_MEASURE, ...definedOnly(opts) };
  const minRepeats = Math.max(1, Math.min(o.minRepeats, o.maxRepeats));
  for (let i = 0; i < o.warmup; i++) fn();
  const times: number[] = [];
  let total = 0;
  while (times.length < o.maxRepeats && (times.length < minRepeats || total < o.minTimeMs)) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    times.push(dt);
    total += dt;
  }
  return summarize(times);
}

function definedOnly(o: MeasureOptions): MeasureOptions {
  const out: MeasureOptions = {};
  if (o.warmup !== undefined) out.warmup = o.warmup;
  if (o.minRepeats !== undefined) out.minRepeats = o.minRepeats;
  if (o.maxRepeats !== undefined) out.maxRepeats = o.maxRepeats;
  if (o.minTimeMs !== undefined) out.minTimeMs = o.minTimeMs;
  return out;
}
