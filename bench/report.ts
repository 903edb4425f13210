// Rows, derived metrics, the aligned tables, the targets block and the JSON file.
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { makeDir } from '../lib/profile/make-dir.js';
import type { Stats } from './timing.js';

export interface Row {
  shape: string;
  rows: number;
  cols: number;
  /** 'dense', 'csr', 'gs:16', ... for gsparse; 'ort-dense' for the peer. */
  pattern: string;
  runtime: 'gsparse' | 'onnxruntime';
  /** Sparsity asked of prune (null for the dense baselines). */
  targetSparsity: number | null;
  /** Achieved: 1 - nnz / (rows * cols). */
  sparsity: number;
  nnz: number;
  /** Bytes of the weights as stored (packed arrays; rows*cols*4 for ORT). */
  weightBytes: number;
  batch: number;
  /** ms per call: median, p10, p90, min, max; n samples of `inner` calls each. */
  time: Stats;
  /** Dense-equivalent: 2 * rows * cols * batch / time. */
  effGflops: number;
  /** Work actually needed: 2 * nnz * batch / time. */
  usefulGflops: number;
  /** (weightBytes + x bytes + y bytes) / time. */
  gbs: number;
  /** Our dense median / this median (same group, same run). */
  vsDense: number;
  /** ORT dense median / this median (same group, same run). */
  vsOrt: number;
  /** Wall time of pack() (prune + pack) for this shape; ORT: model build + session create. */
  packMs: number | null;
  /** max|y - ref| / max|ref| against a plain-JS reference (ORT: against our dense), null if not checked. */
  checkErr: number | null;
}

export const CHECK_TOL = 1e-3;

export function derive(
  base: Omit<Row, 'effGflops' | 'usefulGflops' | 'gbs' | 'vsDense' | 'vsOrt'>,
  denseMs: number,
  ortMs: number,
): Row {
  const s = base.time.median / 1000;
  const ioBytes = 4 * base.batch * (base.rows + base.cols);
  return {
    ...base,
    effGflops: (2 * base.rows * base.cols * base.batch) / s / 1e9,
    usefulGflops: (2 * base.nnz * base.batch) / s / 1e9,
    gbs: (base.weightBytes + ioBytes) / s / 1e9,
    vsDense: denseMs / base.time.median,
    vsOrt: ortMs / base.time.median,
  };
}

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms >= 100) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(3);
  return ms.toFixed(4);
}

function fmtNum(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

function pct(v: number | null): string {
  return v === null ? '-' : `${(v * 100).toFixed(1)}%`;
}

function table(header: string[], body: string[][], rightAlign: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** One aligned table for one shape; rows ordered by batch, then as measured. */
export function formatShapeTable(rows: readonly Row[], streamGBs: number): string {
  const header = ['pattern', 'target', 'actual', 'batch', 'ms', 'p10..p90 ms', 'n', 'eff GF/s', 'use GF/s', 'GB/s', '%BW', 'x dense', 'x ORT', 'pack ms', 'check'];
  const right = [false, true, true, true, true, true, true, true, true, true, true, true, true, true, false];
  const sorted = [...rows].sort((a, b) => a.batch - b.batch);
  const body = sorted.map((r) => [
    r.pattern,
    pct(r.targetSparsity),
    pct(r.sparsity),
    String(r.batch),
    fmtMs(r.time.median),
    `${fmtMs(r.time.p10)}..${fmtMs(r.time.p90)}`,
    r.time.inner > 1 ? `${r.time.n}x${r.time.inner}` : String(r.time.n),
    fmtNum(r.effGflops),
    fmtNum(r.usefulGflops),
    fmtNum(r.gbs),
    streamGBs > 0 ? `${Math.round((100 * r.gbs) / streamGBs)}%` : '-',
    fmtNum(r.vsDense, 2),
    fmtNum(r.vsOrt, 2),
    r.packMs === null ? '-' : fmtNum(r.packMs, 0),
    r.checkErr === null ? '-' : r.checkErr < CHECK_TOL ? 'ok' : `FAIL ${r.checkErr.toExponential(1)}`,
  ]);
  return table(header, body, right);
}

export interface Target {
  label: string;
  /** Measured ratio (null: not measured in this run). */
  ratio: number | null;
  goal: number;
  pass: boolean | null;
}

function findRow(rows: readonly Row[], pattern: string, sparsity: number | null, batch: number): Row | undefined {
  return rows.find(
    (r) =>
      r.rows === 4096 &&
      r.cols === 4096 &&
      r.pattern === pattern &&
      r.batch === batch &&
      (sparsity === null ? r.targetSparsity === null : r.targetSparsity !== null && Math.abs(r.targetSparsity - sparsity) < 1e-9),
  );
}

/** Performance targets (docs/benchmarks.md, Targets) (4096x4096, 90%), as ratios vs ORT dense within one run. */
export function evaluateTargets(rows: readonly Row[]): Target[] {
  const spec: [string, string, number | null, number, number][] = [
    ['gs:16 @ batch 1, 90%  >= 5x ORT', 'gs:16', 0.9, 1, 5],
    ['csr   @ batch 1, 90%  >= 5x ORT', 'csr', 0.9, 1, 5],
    ['gs:16 @ batch 64, 90% >= 4x ORT', 'gs:16', 0.9, 64, 4],
    ['csr   @ batch 64, 90% >= 3x ORT', 'csr', 0.9, 64, 3],
    ['2:4   @ batch 64, 50% >= 1.4x ORT', '2:4', 0.5, 64, 1.4],
    ['dense @ batch 1       >= 0.7x ORT', 'dense', null, 1, 0.7],
    ['dense @ batch 64      >= 0.7x ORT', 'dense', null, 64, 0.7],
  ];
  return spec.map(([label, pattern, sparsity, batch, goal]) => {
    const r = findRow(rows, pattern, sparsity, batch);
    if (!r) return { label, ratio: null, goal, pass: null };
    const peer = findRow(rows, 'ort-dense', null, batch);
    const okErr = (e: number | null | undefined): boolean => e === null || e === undefined || e < CHECK_TOL;
    // A ratio only counts when this kernel is correct and ORT agrees with our dense on the same W.
    const ok = okErr(r.checkErr) && okErr(peer?.checkErr);
    return { label, ratio: r.vsOrt, goal, pass: ok && r.vsOrt >= goal };
  });
}

export function formatTargets(targets: readonly Target[], packMaxMs: number | null): string {
  const lines = targets.map((t) =>
    t.pass === null
      ? `  n/a   ${t.label}   (not measured in this run)`
      : `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.label}   measured ${t.ratio?.toFixed(2)}x`,
  );
  if (packMaxMs !== null)
    lines.push(`  ${packMaxMs < 1000 ? 'PASS' : 'FAIL'}  prune+pack 4096x4096 < 1 s (slowest pattern)   measured ${(packMaxMs / 1000).toFixed(2)} s`);
  return lines.join('\n');
}

/** Writes data as JSON to path, making its folder (one level at a time: see lib/profile/make-dir.ts). */
export async function writeJson(path: string, data: unknown): Promise<void> {
  await makeDir(dirname(path));
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`);
}
