// Number formatting shared by the terminal table and the HTML report.
import type { Regime } from './types.js';

/** Speedup as "0.83x", "5.8x", "42x". */
export function fmtSpeedup(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return `${x < 0.995 ? x.toFixed(2) : x < 9.95 ? x.toFixed(1) : x.toFixed(0)}x`;
}

/** Milliseconds with 3 significant digits ("0.0312", "2.63", "127"). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3);
}

/** A fraction as a percentage ("90%", "89.6%"). */
export function fmtPct(f: number, digits = 0): string {
  return `${(f * 100).toFixed(digits)}%`;
}

/** Duration as "2.4 s" or "2 min 05 s". */
export function fmtDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}

/** The summary line's note on the cache regime, after `sep`; empty for the default 'hot'. */
export function regimeNote(regime: Regime, sep: string): string {
  return regime === 'cold' ? `${sep}cold caches (flushed before every call)` : '';
}
