// Which results the single-sparsity views (table, time-vs-batch chart) show.
import type { ProfileReport, ProfileResult } from './types.js';

/** Dense and N:M patterns have one sparsity of their own; the others follow the sweep. */
export function isFixed(r: ProfileResult): boolean {
  return r.pattern === 'dense' || isNm(r.pattern);
}

/** Whether a canonical pattern string is N:M ('2:4'). */
export function isNm(pattern: string): boolean {
  return /^\d+:\d+$/.test(pattern);
}

/** The sparsity every single-sparsity view uses: 90% when profiled, else the highest one. */
export function focusSparsity(report: ProfileReport): number {
  const targets = [...new Set(report.results.filter((r) => !isFixed(r)).map((r) => r.targetSparsity))].sort((a, b) => a - b);
  return targets.find((t) => Math.abs(t - 0.9) < 1e-9) ?? targets.at(-1) ?? 0.9;
}
