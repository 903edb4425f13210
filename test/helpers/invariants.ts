// Checks of a pruned dense matrix, made from OUTSIDE the packed format: they only look at the
// original weights w and the pruned dense copy p (row-major rows x cols).
// Each check returns a list of problems (empty = fine) so a failing test says what is wrong.

import type { PatternObj } from './patterns.js';

export interface InvariantOptions {
  /**
   * GS only: the largest allowed padding fraction (see gsStats). Omit to skip that check
   * (small shapes where the greedy pack filler may legitimately get stuck).
   */
  gsMaxPadding?: number;
}

const MAX_PROBLEMS = 8;

class Problems {
  list: string[] = [];
  add(msg: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push(msg);
    else if (this.list.length === MAX_PROBLEMS) this.list.push('... (more)');
  }
}

export function nnzOf(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}

export function sparsityOf(a: ArrayLike<number>): number {
  return 1 - nnzOf(a) / a.length;
}

/** Every nonzero of p equals w at the same place (kept values are the original weights, unscaled). */
function checkKeptValues(w: Float32Array, p: Float32Array, cols: number, out: Problems): void {
  if (w.length !== p.length) {
    out.add(`pruned length ${p.length} != original length ${w.length}`);
    return;
  }
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== 0 && p[i] !== w[i]) {
      out.add(`(row ${Math.floor(i / cols)}, col ${i % cols}) kept value ${p[i]} != original ${w[i]}`);
    }
    if (Number.isNaN(p[i])) out.add(`NaN at ${i}`);
  }
}

/** Magnitude ordering: every kept |w| >= every dropped |w| (ties allowed). */
function checkTopK(kept: number[], dropped: number[], what: string, out: Problems): void {
  let minKept = Infinity;
  for (const v of kept) minKept = Math.min(minKept, v);
  let maxDropped = -Infinity;
  for (const v of dropped) maxDropped = Math.max(maxDropped, v);
  if (kept.length > 0 && dropped.length > 0 && minKept < maxDropped) {
    out.add(`${what}: smallest kept score ${minKept} < largest dropped score ${maxDropped}`);
  }
}

export function checkCsr(w: Float32Array, p: Float32Array, rows: number, cols: number, out = new Problems()): string[] {
  checkKeptValues(w, p, cols, out);
  const kept: number[] = [];
  const dropped: number[] = [];
  for (let i = 0; i < w.length; i++) {
    if (p[i] !== 0) kept.push(Math.abs(w[i]));
    else if (w[i] !== 0) dropped.push(Math.abs(w[i]));
  }
  checkTopK(kept, dropped, 'csr top-k', out);
  return out.list;
}

export function checkNM(
  w: Float32Array, p: Float32Array, rows: number, cols: number, n: number, m: number, out = new Problems(),
): string[] {
  checkKeptValues(w, p, cols, out);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < cols; g += m) {
      const end = Math.min(g + m, cols);
      let cnt = 0;
      const kept: number[] = [];
      const dropped: number[] = [];
      for (let c = g; c < end; c++) {
        const v = p[r * cols + c];
        if (v !== 0) {
          cnt++;
          kept.push(Math.abs(w[r * cols + c]));
        } else if (w[r * cols + c] !== 0) dropped.push(Math.abs(w[r * cols + c]));
      }
      if (cnt > n) out.add(`row ${r}, columns ${g}..${end - 1}: ${cnt} nonzeros > n = ${n}`);
      checkTopK(kept, dropped, `N:M row ${r} group at col ${g}`, out);
    }
  }
  return out.list;
}

export function checkBlock(
  w: Float32Array, p: Float32Array, rows: number, cols: number, br: number, bc: number, out = new Problems(),
): string[] {
  checkKeptValues(w, p, cols, out);
  // full-size blocks' scores, for the ordering check (edge blocks may be scored differently)
  const keptL1: number[] = [];
  const droppedL1: number[] = [];
  const keptL2: number[] = [];
  const droppedL2: number[] = [];
  for (let r0 = 0; r0 < rows; r0 += br) {
    for (let c0 = 0; c0 < cols; c0 += bc) {
      const r1 = Math.min(r0 + br, rows);
      const c1 = Math.min(c0 + bc, cols);
      let anyKept = false;
      let allKept = true;
      let l1 = 0;
      let l2 = 0;
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          const i = r * cols + c;
          l1 += Math.abs(w[i]);
          l2 += w[i] * w[i];
          if (p[i] !== 0) anyKept = true;
          else if (w[i] !== 0) allKept = false;
        }
      }
      if (anyKept && !allKept) {
        out.add(`block at (${r0}, ${c0}) is partly pruned: a kept block must keep all its weights`);
      }
      if (r1 - r0 === br && c1 - c0 === bc) {
        if (anyKept) {
          keptL1.push(l1);
          keptL2.push(l2);
        } else if (l1 > 0) {
          droppedL1.push(l1);
          droppedL2.push(l2);
        }
      }
    }
  }
  // consistent with a magnitude ranking by L1 or by L2
  const p1 = new Problems();
  checkTopK(keptL1, droppedL1, 'block L1 ranking', p1);
  const p2 = new Problems();
  checkTopK(keptL2, droppedL2, 'block L2 ranking', p2);
  if (p1.list.length > 0 && p2.list.length > 0) out.add(`${p1.list[0]}; ${p2.list[0]}`);
  return out.list;
}

export function checkChannel(w: Float32Array, p: Float32Array, rows: number, cols: number, out = new Problems()): string[] {
  checkKeptValues(w, p, cols, out);
  const kept: number[] = [];
  const dropped: number[] = [];
  for (let r = 0; r < rows; r++) {
    let anyKept = false;
    let allKept = true;
    let l2 = 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      l2 += w[i] * w[i];
      if (p[i] !== 0) anyKept = true;
      else if (w[i] !== 0) allKept = false;
    }
    if (anyKept && !allKept) out.add(`row ${r} is partly pruned: channel pruning removes whole rows`);
    if (anyKept) kept.push(l2);
    else if (l2 > 0) dropped.push(l2);
  }
  checkTopK(kept, dropped, 'channel L2 ranking', out);
  return out.list;
}

export interface GsStats {
  /** groups examined */
  groups: number;
  /**
   * Padding fraction: sum over groups of (P_g * E * realRows_g - nnz_g) / sum of P_g * E * realRows_g,
   * where P_g = max(ceil(maxRowNnz / E), maxBankNnz) is the fewest packs the group can be stored in.
   * (Any nonzero set decomposes into P_g packs with padding — rows split into E sub-rows of degree
   * <= P_g, then König's theorem gives P_g bank-distinct matchings — so what distinguishes a real GS
   * pruning, where "every row has the same count and every bank the same count", is that this is ~0.)
   */
  padding: number;
  /** max over full groups of (max row nnz - min row nnz) */
  maxRowSpread: number;
}

/** GS statistics for consecutive groups of R = banks / perRow rows (last group may be partial). */
export function gsStats(p: Float32Array, rows: number, cols: number, banks: number, perRow: number): GsStats {
  const R = banks / perRow;
  let lanes = 0;
  let nnzTotal = 0;
  let groups = 0;
  let maxRowSpread = 0;
  for (let g0 = 0; g0 < rows; g0 += R) {
    const g1 = Math.min(g0 + R, rows);
    const bankCnt = new Array<number>(banks).fill(0);
    let maxRow = 0;
    let minRow = Infinity;
    let nnz = 0;
    for (let r = g0; r < g1; r++) {
      let rc = 0;
      for (let c = 0; c < cols; c++) {
        if (p[r * cols + c] !== 0) {
          rc++;
          bankCnt[c % banks]++;
        }
      }
      nnz += rc;
      maxRow = Math.max(maxRow, rc);
      minRow = Math.min(minRow, rc);
    }
    const P = Math.max(Math.ceil(maxRow / perRow), Math.max(...bankCnt));
    lanes += P * perRow * (g1 - g0);
    nnzTotal += nnz;
    groups++;
    if (g1 - g0 === R) maxRowSpread = Math.max(maxRowSpread, maxRow - minRow);
  }
  return { groups, padding: lanes === 0 ? 0 : (lanes - nnzTotal) / lanes, maxRowSpread };
}

/**
 * Row-side padding of the best possible grouping (for :permute, where the grouping is unknown):
 * rows sorted by nnz and cut into groups of R (optimal for this measure). A necessary condition
 * for a GS pruning with any grouping.
 */
export function gsPermuteRowPadding(p: Float32Array, rows: number, cols: number, banks: number, perRow: number): number {
  const R = banks / perRow;
  const counts: number[] = [];
  for (let r = 0; r < rows; r++) {
    let rc = 0;
    for (let c = 0; c < cols; c++) if (p[r * cols + c] !== 0) rc++;
    counts.push(rc);
  }
  counts.sort((a, b) => b - a);
  let lanes = 0;
  let nnz = 0;
  for (let g0 = 0; g0 < rows; g0 += R) {
    const g1 = Math.min(g0 + R, rows);
    const P = Math.ceil(counts[g0] / perRow);
    lanes += P * perRow * (g1 - g0);
    for (let i = g0; i < g1; i++) nnz += counts[i];
  }
  return lanes === 0 ? 0 : (lanes - nnz) / lanes;
}

export function checkGs(
  w: Float32Array, p: Float32Array, rows: number, cols: number,
  banks: number, perRow: number, permute: boolean, opts: InvariantOptions = {}, out = new Problems(),
): string[] {
  checkKeptValues(w, p, cols, out);
  if (banks % perRow !== 0) out.add(`bad test pattern: perRow ${perRow} does not divide banks ${banks}`);
  if (opts.gsMaxPadding !== undefined) {
    const pad = permute
      ? gsPermuteRowPadding(p, rows, cols, banks, perRow)
      : gsStats(p, rows, cols, banks, perRow).padding;
    if (pad > opts.gsMaxPadding) {
      out.add(
        `GS ${permute ? 'row-side padding of the best grouping' : 'padding'} ${pad.toFixed(4)} > ${opts.gsMaxPadding}: ` +
          `groups of ${banks / perRow} rows do not decompose into full bank-distinct packs`,
      );
    }
  }
  return out.list;
}

/** Dispatch on the pattern. */
export function checkPruned(
  w: Float32Array, p: Float32Array, rows: number, cols: number, pattern: PatternObj, opts: InvariantOptions = {},
): string[] {
  const out = new Problems();
  switch (pattern.kind) {
    case 'dense':
      checkKeptValues(w, p, cols, out);
      for (let i = 0; i < w.length; i++) if (p[i] !== w[i]) out.add(`dense: element ${i} changed: ${w[i]} -> ${p[i]}`);
      return out.list;
    case 'csr':
      return checkCsr(w, p, rows, cols, out);
    case 'nm':
      return checkNM(w, p, rows, cols, pattern.n, pattern.m, out);
    case 'block':
      return checkBlock(w, p, rows, cols, pattern.rows, pattern.cols, out);
    case 'channel':
      return checkChannel(w, p, rows, cols, out);
    case 'gs':
      return checkGs(w, p, rows, cols, pattern.banks, pattern.perRow, !!pattern.permute, opts, out);
  }
}
