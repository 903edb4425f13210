// What to run: shapes, patterns, sparsities, batches and the command-line options that pick them.
import { parseArgs } from 'node:util';

import { parsePattern, patternToString } from '../lib/index.js';

export interface Shape {
  name: string;
  rows: number;
  cols: number;
}

/** W is [rows, cols] = [out, in]. */
export const SHAPES: readonly Shape[] = [
  { name: 'square-4096', rows: 4096, cols: 4096 },
  { name: 'bert-ffn-up', rows: 3072, cols: 768 }, // BERT-base intermediate: 768 -> 3072
  { name: 'bert-ffn-down', rows: 768, cols: 3072 }, // BERT-base output: 3072 -> 768
  { name: 'resnet50-1x1', rows: 1024, cols: 256 }, // ResNet-50 conv4_x 1x1 expand 256 -> 1024 (batch = pixels)
  { name: 'lstm-gates', rows: 4096, cols: 1024 }, // LSTM hidden 1024: 4 gates x 1024 out, 1024 in
];

export const DEFAULT_SPARSITIES: readonly number[] = [0.5, 0.75, 0.9, 0.95];
export const DEFAULT_BATCHES: readonly number[] = [1, 16, 64, 256];

/** Sparse patterns measured by default; `gs:<recommendedBanks>` is added when it is not gs:16. */
export function defaultPatterns(recommendedBanks: number): string[] {
  const p = ['csr', 'block:4x1', '2:4', 'gs:16', 'gs:16x4'];
  if (recommendedBanks !== 16) p.splice(3, 0, `gs:${recommendedBanks}`);
  return p;
}

export interface BenchConfig {
  quick: boolean;
  shapes: Shape[];
  /** Sparse patterns, canonical strings; our dense and ORT dense are always measured as the baselines. */
  patterns: string[];
  sparsities: number[];
  batches: number[];
  threads: number;
  out: string | undefined;
  ortSpin: boolean;
  /** Timing: seconds of measurement per peer in a group (see timing.ts) and cap per group. */
  minTimePerPeerS: number;
  maxGroupS: number;
  minRepeats: number;
}

export const USAGE = `Usage: npm run bench -- [options]      (or: npx tsx bench/run.ts [options])
  --quick               4096x4096 only, batches 1 and 64, 90% sparsity + 2:4 (a few minutes)
  --shapes LIST         names (${SHAPES.map((s) => s.name).join(', ')}) or RxC, comma separated
  --patterns LIST       sparse patterns, e.g. csr,block:4x1,2:4,gs:16,gs:16x4 (dense + ORT always run)
  --sparsities LIST     e.g. 0.5,0.9 or 50,90 (N:M patterns always run at their own 1-N/M)
  --batches LIST        e.g. 1,16,64,256
  --threads N           threads for gsparse and ORT (default: hardware().threads)
  --out FILE            JSON results (default bench/results/bench-<timestamp>.json)
  --ort-spin            let ORT's intra-op threads spin between runs (ORT default; off here, see README)
  --min-time S          seconds of measurement per peer in a group (default 0.3)
  --max-group S         cap on one group's measurement, seconds (default 30; quick 20)
  --repeats N           minimum samples per peer (default 7)
  --help`;

function list(s: string): string[] {
  return s.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

function positiveInt(s: string, what: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${what}: expected a positive integer, got '${s}'`);
  return n;
}

function positiveNumber(s: string, what: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${what}: expected a positive number, got '${s}'`);
  return n;
}

function parseShape(s: string): Shape {
  const known = SHAPES.find((k) => k.name === s);
  if (known) return { ...known };
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) throw new RangeError(`--shapes: expected a name (${SHAPES.map((k) => k.name).join(', ')}) or RxC, got '${s}'`);
  const rows = positiveInt(m[1] ?? '', '--shapes rows');
  const cols = positiveInt(m[2] ?? '', '--shapes cols');
  const named = SHAPES.find((k) => k.rows === rows && k.cols === cols);
  return { name: named?.name ?? s, rows, cols };
}

function parseSparsity(s: string): number {
  let v = Number(s);
  if (!Number.isFinite(v)) throw new RangeError(`--sparsities: expected numbers, got '${s}'`);
  if (v >= 1) v /= 100;
  if (v < 0 || v >= 1) throw new RangeError(`--sparsities: expected values in [0, 1) or percentages, got '${s}'`);
  return v;
}

/** Parses argv (node:util parseArgs); throws RangeError / TypeError on bad options. */
export function parseConfig(argv: string[], hw: { threads: number; recommendedBanks: number }): BenchConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false },
      shapes: { type: 'string' },
      patterns: { type: 'string' },
      sparsities: { type: 'string' },
      batches: { type: 'string' },
      threads: { type: 'string' },
      out: { type: 'string' },
      'ort-spin': { type: 'boolean', default: false },
      'min-time': { type: 'string' },
      'max-group': { type: 'string' },
      repeats: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const shapes =
    values.shapes !== undefined
      ? list(values.shapes).map(parseShape)
      : quick
        ? [{ ...(SHAPES[0] as Shape) }]
        : SHAPES.map((s) => ({ ...s }));
  const patterns = (values.patterns !== undefined ? list(values.patterns) : defaultPatterns(hw.recommendedBanks))
    .map((p) => patternToString(parsePattern(p)))
    .filter((p) => p !== 'dense');
  const sparsities =
    values.sparsities !== undefined ? list(values.sparsities).map(parseSparsity) : quick ? [0.9] : [...DEFAULT_SPARSITIES];
  const batches =
    values.batches !== undefined ? list(values.batches).map((b) => positiveInt(b, '--batches')) : quick ? [1, 64] : [...DEFAULT_BATCHES];
  const threads = values.threads !== undefined ? positiveInt(values.threads, '--threads') : hw.threads;
  if (shapes.length === 0 || batches.length === 0) throw new RangeError('--shapes and --batches must not be empty');
  return {
    quick,
    shapes,
    patterns: [...new Set(patterns)],
    sparsities: [...new Set(sparsities)],
    batches: [...new Set(batches)],
    threads,
    out: values.out,
    ortSpin: values['ort-spin'] ?? false,
    minTimePerPeerS: values['min-time'] !== undefined ? positiveNumber(values['min-time'], '--min-time') : 0.3,
    maxGroupS: values['max-group'] !== undefined ? positiveNumber(values['max-group'], '--max-group') : quick ? 20 : 30,
    minRepeats: values.repeats !== undefined ? positiveInt(values.repeats, '--repeats') : 7,
  };
}

export interface SparseCase {
  pattern: string;
  /** The sparsity asked of prune (N:M: its own 1 - n/m). */
  sparsity: number;
}

/** The (pattern, sparsity) pairs of one shape: N:M once at 1 - n/m, every other pattern at each sparsity. */
export function sparseCases(cfg: BenchConfig): SparseCase[] {
  const out: SparseCase[] = [];
  for (const pattern of cfg.patterns) {
    const p = parsePattern(pattern);
    if (p.kind === 'nm') out.push({ pattern, sparsity: 1 - p.n / p.m });
    else for (const s of cfg.sparsities) out.push({ pattern, sparsity: s });
  }
  return out;
}
