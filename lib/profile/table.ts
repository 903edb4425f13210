// The terminal table of a profile: speedup per layer and pattern, the recommended pick highlighted.
import { focusSparsity, isNm } from './focus.js';
import { fmtDuration, fmtMs, fmtPct, fmtSpeedup, regimeNote } from './format.js';
import { beatsDense, recommend } from './recommend.js';
import type { ProfileReport, ProfileResult } from './types.js';

/** Whether to style output: a TTY, NO_COLOR unset and TERM not dumb (FORCE_COLOR forces it on). */
export function shouldColor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined) return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

type Style = 'win' | 'bad' | 'dim' | 'head';
const ANSI: Record<Style, [string, string]> = {
  win: ['\u001b[1;32m', '\u001b[0m'],
  bad: ['\u001b[2m', '\u001b[0m'],
  dim: ['\u001b[2m', '\u001b[0m'],
  head: ['\u001b[1m', '\u001b[0m'],
};

interface Cell {
  text: string;
  style?: Style;
}

/** Lays out rows of cells in aligned columns (the first `left` and the last column left-aligned, the rest right). */
function layout(header: string[], rows: Cell[][], left: number, color: boolean): string {
  const all: Cell[][] = [header.map((text) => ({ text, style: 'head' as Style })), ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]?.text.length ?? 0)));
  const line = (r: Cell[]): string =>
    r.map((cell, c) => {
      const w = widths[c] ?? 0;
      const padded = c < left || (c === header.length - 1 && left > 1) ? cell.text.padEnd(w) : cell.text.padStart(w);
      return color && cell.style ? ANSI[cell.style][0] + padded + ANSI[cell.style][1] : padded;
    }).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(all[0] as Cell[]), rule, ...rows.map(line)].join('\n');
}

/** Options of renderTable(). */
export interface TableOptions {
  color?: boolean;
  minRetained?: number;
}

/**
 * Two tables: speedup over dense of every pattern at the focus sparsity (pick marked '*', candidates
 * below the quality bound '!', wins within dense's spread '~', cells not profiled '-'), then the
 * recommended pattern per layer and batch at every sparsity.
 */
export function renderTable(report: ProfileReport, opts: TableOptions = {}): string {
  const color = opts.color ?? false;
  const minRetained = opts.minRetained ?? 0.97;
  const m = report.machine;
  const multi = report.backends.length > 1;
  const focus = focusSparsity(report);
  const sparse = report.patterns.filter((p) => p !== 'dense');
  const picks = new Map(recommend(report.results, { minRetained }).map((r) => [`${r.layer}|${r.backend}|${r.batch}|${r.sparsity}`, r]));
  const groups = groupRows(report.results);
  const out: string[] = [];
  out.push(`gsparse profile: ${report.backends.join('+')} (${m.simd}, ${m.threads} threads), GS banks ${m.recommendedBanks}` +
    `${m.cuda ? `, GPU ${m.cuda.name}` : ''}; ${report.results.length} runs in ${fmtDuration(report.durationMs)}${regimeNote(report.regime, ', ')}`);
  out.push('');
  out.push(`Speedup over dense (same batch) at ${fmtPct(focus)} sparsity; N:M at its own sparsity.`);
  out.push(`* = pick: the fastest pattern with retained magnitude >= ${minRetained} x unstructured that beats dense beyond ` +
    `the measured spread (its p90 below dense's p10)`);
  out.push(`! = below that magnitude bound   ~ = faster than dense only within the spread (noise, not a pick)   ` +
    `- = not profiled (the layer runs fewer sparsities or batches)`);
  const header = ['layer', 'shape', ...(multi ? ['backend'] : []), 'batch', 'dense ms',
    ...sparse.map((p) => (isNm(p) ? `${p}@${fmtPct(1 - nmRatio(p))}` : p)), 'pick'];
  const rows: Cell[][] = [];
  for (const g of groups) {
    const dense = g.find((r) => r.pattern === 'dense');
    const pick = picks.get(`${g[0]?.layer}|${g[0]?.backend}|${g[0]?.batch}|${focus}`);
    const first = g[0] as ProfileResult;
    const row: Cell[] = [{ text: first.layer }, { text: `${first.rows}x${first.cols}`, style: 'dim' },
      ...(multi ? [{ text: first.backend }] : []), { text: String(first.batch) }, { text: dense ? fmtMs(dense.timeMs.median) : '-' }];
    for (const p of sparse) {
      const nm = isNm(p);
      const r = g.find((x) => x.pattern === p && (nm || Math.abs(x.targetSparsity - focus) < 1e-9));
      if (!r) { row.push({ text: '-', style: 'dim' }); continue; }
      const win = pick?.pattern === p;
      const bad = r.quality.retainedRatio < minRetained;
      const noise = !win && !bad && dense !== undefined && r.timeMs.median < dense.timeMs.median && !beatsDense(r, dense);
      row.push({ text: `${fmtSpeedup(r.speedup)}${win ? '*' : bad ? '!' : noise ? '~' : ' '}`, style: win ? 'win' : bad || nm ? 'bad' : undefined });
    }
    row.push(pick ? { text: `${pick.pattern} ${fmtSpeedup(pick.speedup)}`, style: 'win' } : { text: '-', style: 'dim' });
    rows.push(row);
  }
  out.push(layout(header, rows, multi ? 3 : 2, color));

  const targets = [...new Set([...picks.values()].map((r) => r.sparsity))].sort((a, b) => a - b);
  if (targets.length > 1) {
    out.push('');
    out.push(`Recommended pattern per layer and batch, by target sparsity (speedup over dense; - = not profiled at that sparsity):`);
    const rows2: Cell[][] = groups.map((g) => {
      const f = g[0] as ProfileResult;
      return [{ text: f.layer }, ...(multi ? [{ text: f.backend }] : []), { text: String(f.batch) },
        ...targets.map((s): Cell => {
          const r = picks.get(`${f.layer}|${f.backend}|${f.batch}|${s}`);
          if (!r) return { text: '-', style: 'dim' };
          return { text: `${r.pattern} ${fmtSpeedup(r.speedup)}`, style: r.pattern === 'dense' ? 'dim' : undefined };
        })];
    });
    out.push(layout(['layer', ...(multi ? ['backend'] : []), 'batch', ...targets.map((s) => fmtPct(s))], rows2, multi ? 2 : 1, color));
  }
  return out.join('\n');
}

function nmRatio(p: string): number {
  const [n, mm] = p.split(':').map(Number);
  return (n ?? 1) / (mm ?? 1);
}

/** Results grouped by layer, backend and batch, in the order they were profiled. */
function groupRows(results: readonly ProfileResult[]): ProfileResult[][] {
  const map = new Map<string, ProfileResult[]>();
  for (const r of results) {
    const k = `${r.layer}|${r.backend}|${r.batch}`;
    const g = map.get(k);
    if (g) g.push(r);
    else map.set(k, [r]);
  }
  // Profiling order is layer -> pattern -> backend -> batch; show layer -> backend -> batch.
  return [...map.values()].sort((a, b) => order(a, results) - order(b, results));
}

function order(g: ProfileResult[], results: readonly ProfileResult[]): number {
  const f = g[0] as ProfileResult;
  const layerIdx = results.findIndex((r) => r.layer === f.layer);
  return layerIdx * 1e6 + (f.backend === 'cpu' ? 0 : 1e5) + f.batch;
}
