// The pattern cases the suite runs, with their expected object forms written out by hand
// (independent of parsePattern, which patterns.test.ts checks against these).

export type PatternObj =
  | { kind: 'dense' }
  | { kind: 'csr' }
  | { kind: 'block'; rows: number; cols: number }
  | { kind: 'nm'; n: number; m: number }
  | { kind: 'gs'; banks: number; perRow: number; permute?: boolean }
  | { kind: 'channel' };

export interface PatternCase {
  /** string form passed to the API */
  name: string;
  /** what parsePattern(name) must contain */
  obj: PatternObj;
  /** sparsity targets that apply; N:M: its fixed 1 - n/m; dense: 0 */
  sparsities: (number | undefined)[];
}

export const PATTERN_CASES: PatternCase[] = [
  { name: 'dense', obj: { kind: 'dense' }, sparsities: [0] },
  { name: 'csr', obj: { kind: 'csr' }, sparsities: [0.5, 0.9] },
  { name: 'block:4x1', obj: { kind: 'block', rows: 4, cols: 1 }, sparsities: [0.5, 0.9] },
  { name: 'block:4x4', obj: { kind: 'block', rows: 4, cols: 4 }, sparsities: [0.5, 0.9] },
  // N:M fixes the sparsity; pack() needs it stated (without it pack keeps the zeros already in w)
  { name: '2:4', obj: { kind: 'nm', n: 2, m: 4 }, sparsities: [0.5] },
  { name: '1:4', obj: { kind: 'nm', n: 1, m: 4 }, sparsities: [0.75] },
  { name: 'gs:16', obj: { kind: 'gs', banks: 16, perRow: 1 }, sparsities: [0.5, 0.9] },
  { name: 'gs:8', obj: { kind: 'gs', banks: 8, perRow: 1 }, sparsities: [0.5, 0.9] },
  { name: 'gs:32', obj: { kind: 'gs', banks: 32, perRow: 1 }, sparsities: [0.5, 0.9] },
  { name: 'gs:16x4', obj: { kind: 'gs', banks: 16, perRow: 4 }, sparsities: [0.5, 0.9] },
  { name: 'gs:16x16', obj: { kind: 'gs', banks: 16, perRow: 16 }, sparsities: [0.5, 0.9] },
  { name: 'gs:16:permute', obj: { kind: 'gs', banks: 16, perRow: 1, permute: true }, sparsities: [0.5, 0.9] },
  { name: 'channel', obj: { kind: 'channel' }, sparsities: [0.5, 0.9] },
];

/** The sparsity a prune with this target must reach: the fixed one for N:M, 0 for dense. */
export function targetSparsity(obj: PatternObj, sparsity: number | undefined): number {
  if (obj.kind === 'nm') return 1 - obj.n / obj.m;
  if (obj.kind === 'dense') return 0;
  if (sparsity === undefined) throw new Error('targetSparsity: sparsity needed');
  return sparsity;
}

/** Options object for prune/pack: sparsity only where the case has one. */
export function pruneOpts(name: string, sparsity: number | undefined): { pattern: string; sparsity?: number } {
  return sparsity === undefined ? { pattern: name } : { pattern: name, sparsity };
}

export const SHAPES: [number, number][] = [
  [64, 64],
  [200, 777],
  [37, 70], // partial GS group (37 rows), cols not a multiple of 4 or 16
  [16, 16],
];
