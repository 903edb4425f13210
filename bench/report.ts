// Rows, derived metrics (ratios as the median of per-round ratios, fraction of the limit), the aligned
// tables, the targets block and the JSON file.
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { makeDir } from '../lib/profile/make-dir.js';
import { median } from '../lib/profile/measure.js';
import type { Regime } from '../lib/profile/types.js';

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
  /** Bytes of the weights as stored (byteLength; rows*cols*4 for ORT). */
  weightBytes: number;
  batch: number;
  regime: Regime;
  /** Each round's median ms per call (the rounds alternate which process goes first). */
  roundMs: number[];
  /** Samples x calls per sample, of the first round. */
  samples: string;
  /** Median of roundMs. */
  ms: number;
  /** Median over rounds of (ORT's round ms / this round ms), and the rounds' range. */
  vsOrt: number;
  vsOrtMin: number;
  vsOrtMax: number;
  /** Median over rounds of (our dense's round ms / this round ms). */
  vsDense: number;
  /** Dense-equivalent 2 * rows * cols * batch / ms, and useful 2 * nnz * batch / ms, GFLOP/s. */
  effGflops: number;
  usefulGflops: number;
  /** Compulsory bytes (weights + x + y) / ms. */
  gbs: number;
  /** Batch 1: ORT's bytes / this kernel's bytes, the speedup reading at ORT's bandwidth would give. */
  limitX: number | null;
  /** Fraction of the limit: batch 1 vsOrt / limitX; batched usefulGflops / FMA peak (null if unknown). */
  ofLimit: number | null;
  /** Wall time of pack() (prune + pack); ORT: model build + session create. */
  packMs: number;
  /** max|y - ref| / max|ref| on the last batch row against plain JS on the contender's own weights. */
  checkErr: number;
}

export const CHECK_TOL = 1e-3;

export type RowBase = Omit<Row, 'ms' | 'vsOrt' | 'vsOrtMin' | 'vsOrtMax' | 'vsDense' | 'effGflops' | 'usefulGflops' | 'gbs' | 'limitX' | 'ofLimit'>;

const perRound = (num: readonly number[], den: readonly number[]): number[] =>
  num.slice(0, Math.min(num.length, den.length)).map((n, r) => n / (den[r] as number));

/** Fills the derived fields from the round medians of this row, ORT's and our dense's (same rounds). */
export function derive(base: RowBase, ortMs: readonly number[], denseMs: readonly number[], peakGflops: number | null): Row {
  const ms = median(base.roundMs);
  const s = ms / 1000;
  const io = 4 * base.batch * (base.rows + base.cols);
  const vsOrtRounds = perRound(ortMs, base.roundMs);
  const vsOrt = median(vsOrtRounds);
  const usefulGflops = (2 * base.nnz * base.batch) / s / 1e9;
  const limitX = base.batch === 1 ? (base.rows * base.cols * 4 + io) / (base.weightBytes + io) : null;
  return {
    ...base,
    ms,
    vsOrt,
    vsOrtMin: Math.min(...vsOrtRounds),
    vsOrtMax: Math.max(...vsOrtRounds),
    vsDense: median(perRound(denseMs, base.roundMs)),
    effGflops: (2 * base.rows * base.cols * base.batch) / s / 1e9,
    usefulGflops,
    gbs: (base.weightBytes + io) / s / 1e9,
    limitX,
    ofLimit: limitX !== null ? vsOrt / limitX : peakGflops !== null ? usefulGflops / peakGflops : null,
  };
}

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms >= 100) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(3);
  return ms.toFixed(4);
}

const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const isNm = (pattern: string): boolean => /^\d+:\d+$/.test(pattern);
const label = (r: Row): string =>
  r.targetSparsity === null || isNm(r.pattern) ? r.pattern : `${r.pattern} ${Math.round(r.targetSparsity * 100)}%`;

function table(header: string[], body: string[][], rightAlign: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** One aligned table for one shape and regime; rows ordered by batch, then as measured. */
export function formatShapeTable(rows: readonly Row[]): string {
  const header = ['pattern', 'target', 'actual', 'batch', 'ms', 'x ORT', 'rounds', 'x dense', 'GB/s', 'use GF/s', 'limit', 'of limit', 'samples', 'pack ms', 'check'];
  const right = [false, true, true, true, true, true, true, true, true, true, true, true, true, true, false];
  const body = [...rows].sort((a, b) => a.batch - b.batch).map((r) => [
    r.pattern,
    pct(r.targetSparsity),
    pct(r.sparsity),
    String(r.batch),
    fmtMs(r.ms),
    fmt(r.vsOrt, 2),
    `${fmt(r.vsOrtMin, 2)}..${fmt(r.vsOrtMax, 2)}`,
    fmt(r.vsDense, 2),
    fmt(r.gbs),
    fmt(r.usefulGflops),
    r.limitX !== null ? `${fmt(r.limitX, 2)}x` : 'FMA peak',
    pct(r.ofLimit),
    r.samples,
    fmt(r.packMs, 0),
    r.checkErr < CHECK_TOL ? 'ok' : `FAIL ${r.checkErr.toExponential(1)}`,
  ]);
  return table(header, body, right);
}

/** The README table: one shape, one sparsity; a column per regime x batch, cells `x ORT (of limit)`. */
export function formatSummary(rows: readonly Row[], sparsity: number): string {
  const cols = [...new Set(rows.map((r) => `${r.batch}|${r.regime}`))]
    .map((k) => k.split('|') as [string, Regime])
    .sort((a, b) => Number(a[0]) - Number(b[0]) || (a[1] === 'hot' ? -1 : 1));
  const picked = rows.filter((r) => r.targetSparsity === null || isNm(r.pattern) || Math.abs(r.targetSparsity - sparsity) < 1e-9);
  const names = [...new Set(picked.map(label))];
  const header = ['x ORT dense (of limit)', ...cols.map(([b, g]) => `${g} b${b}`)];
  const body = names.map((n) => [
    n,
    ...cols.map(([b, g]) => {
      const r = picked.find((x) => label(x) === n && x.batch === Number(b) && x.regime === g);
      if (!r) return '-';
      return r.pattern === 'ort-dense' ? `${fmtMs(r.ms)} ms` : `${fmt(r.vsOrt, 2)}x (${r.ofLimit === null ? '-' : `${Math.round(r.ofLimit * 100)}%`})`;
    }),
  ]);
  return table(header, body, [false, ...cols.map(() => true)]);
}

export interface Target {
  regime: Regime;
  label: string;
  /** Measured ratio (null: not measured in this run). */
  ratio: number | null;
  goal: number;
  pass: boolean | null;
}

function findRow(rows: readonly Row[], regime: Regime, pattern: string, sparsity: number | null, batch: number): Row | undefined {
  return rows.find(
    (r) =>
      r.rows === 4096 &&
      r.cols === 4096 &&
      r.regime === regime &&
      r.pattern === pattern &&
      r.batch === batch &&
      (sparsity === null ? r.targetSparsity === null : r.targetSparsity !== null && Math.abs(r.targetSparsity - sparsity) < 1e-9),
  );
}

/** The targets of docs/benchmarks.md (W 4096x4096, 90%), per regime: ratios vs ORT dense, and GS vs CSR per batch. */
export function evaluateTargets(rows: readonly Row[], regimes: readonly Regime[], batches: readonly number[]): Target[] {
  const spec: [string, string, number | null, number, number][] = [
    ['gs:16 @ batch 1, 90%  >= 5.5x ORT', 'gs:16', 0.9, 1, 5.5],
    ['csr   @ batch 1, 90%  >= 5.5x ORT', 'csr', 0.9, 1, 5.5],
    ['gs:16 @ batch 64, 90% >= 5x ORT', 'gs:16', 0.9, 64, 5],
    ['csr   @ batch 64, 90% >= 5x ORT', 'csr', 0.9, 64, 5],
    ['2:4   @ batch 64      >= 1.6x ORT', '2:4', 0.5, 64, 1.6],
    ['dense @ batch 1       >= 0.95x ORT', 'dense', null, 1, 0.95],
    ['dense @ batch 64      >= 0.95x ORT', 'dense', null, 64, 0.95],
  ];
  const ok = (r: Row | undefined): boolean => r !== undefined && r.checkErr < CHECK_TOL;
  const out: Target[] = [];
  for (const regime of regimes) {
    for (const [label, pattern, sparsity, batch, goal] of spec) {
      const r = findRow(rows, regime, pattern, sparsity, batch);
      // A ratio only counts when this kernel and ORT both passed their checks.
      if (!r) out.push({ regime, label, ratio: null, goal, pass: null });
      else out.push({ regime, label, ratio: r.vsOrt, goal, pass: ok(r) && ok(findRow(rows, regime, 'ort-dense', null, batch)) && r.vsOrt >= goal });
    }
    for (const batch of batches) {
      const label = `gs:16 vs csr @ batch ${batch}, 90% >= 1x`;
      const gs = findRow(rows, regime, 'gs:16', 0.9, batch);
      const csr = findRow(rows, regime, 'csr', 0.9, batch);
      if (!gs || !csr) out.push({ regime, label, ratio: null, goal: 1, pass: null });
      else {
        const ratio = median(perRound(csr.roundMs, gs.roundMs));
        out.push({ regime, label, ratio, goal: 1, pass: ok(gs) && ok(csr) && ratio >= 1 });
      }
    }
  }
  return out;
}

export function formatTargets(targets: readonly Target[], packMaxMs: number | null): string {
  const lines = targets.map((t) =>
    t.pass === null
      ? `  n/a   ${t.regime.padEnd(4)}  ${t.label}   (not measured in this run)`
      : `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.regime.padEnd(4)}  ${t.label}   measured ${t.ratio?.toFixed(3)}x`,
  );
  if (packMaxMs !== null)
    lines.push(`  ${packMaxMs < 1000 ? 'PASS' : 'FAIL'}        prune+pack 4096x4096 < 1 s (slowest pattern)   measured ${(packMaxMs / 1000).toFixed(2)} s`);
  return lines.join('\n');
}

/** Writes data as JSON to path, making its folder (one level at a time: see lib/profile/make-dir.ts). */
export async function writeJson(path: string, data: unknown): Promise<void> {
  await makeDir(dirname(path));
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`);
}
