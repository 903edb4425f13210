// What to run: shapes, patterns, sparsities, batches and the command-line options that pick them.
import { parseArgs } from 'node:util';

import { parsePattern, patternToString } from '../lib/index.js';
import { REGIMES, type SamplePlan } from '../lib/profile/measure.js';
import { DEFAULT_SUITE } from '../lib/profile/suite.js';
import type { LayerShape, Regime } from '../lib/profile/types.js';

/** A layer shape, W [rows, cols] = [out, in]: a layer of the profiler's suite, or RxC. */
export type Shape = Pick<LayerShape, 'name' | 'rows' | 'cols'>;

/** The profiler's suite layers (lib/profile/suite.ts), by name: the shapes --shapes knows. */
export const SHAPES: readonly Shape[] = DEFAULT_SUITE.layers.map(({ name, rows, cols }) => ({ name, rows, cols }));

/**
 * The suite layers a default run measures: the headline 4096x4096 first (--quick runs it alone), then
 * BERT-base FFN, a ResNet-50 1x1 conv and GNMT's LSTM gates. The others (the 45M-weight LLaMA MLP
 * layers above all) would multiply the run time; --shapes runs any of them.
 */
export const DEFAULT_SHAPES: readonly string[] = ['llama7b.attn.q', 'bert.ffn.up', 'bert.ffn.down', 'resnet50.conv1x1.b', 'gnmt.lstm.gates'];

export const DEFAULT_SPARSITIES: readonly number[] = [0.75, 0.9, 0.95];
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
  /** gsparse's threads (onnxruntime keeps its default). */
  threads: number;
  out: string | undefined;
  /** Rounds per (shape, batch, regime): each times both contender processes once, alternating who goes first. */
  rounds: number;
  regimes: Regime[];
  /** How each contender is timed in each regime (lib/profile/measure.ts). */
  timing: Record<Regime, SamplePlan>;
  /** FMA peak in GFLOP/s given on the command line (else measured: bench/peak.ts). */
  peakGflops: number | undefined;
}

export const USAGE = `Usage: npm run bench -- [options]      (or: npx tsx bench/run.ts [options])
  --quick               ${DEFAULT_SHAPES[0]} (4096x4096) only, batches 1 and 64, 90% sparsity + 2:4 (under a minute)
  --shapes LIST         layers of gsparse profile's suite (lib/profile/suite.ts) or RxC, comma separated; default
                          ${DEFAULT_SHAPES.join(',')}
                        the others: ${SHAPES.filter((s) => !DEFAULT_SHAPES.includes(s.name)).map((s) => s.name).join(',')}
  --patterns LIST       sparse patterns, e.g. csr,block:4x1,2:4,gs:16,gs:16x4 (dense + ORT always run)
  --sparsities LIST     e.g. 0.75,0.9 or 75,90 (N:M patterns always run at their own 1-N/M)
  --batches LIST        e.g. 1,16,64,256
  --threads N           gsparse's threads (default: hardware().threads); onnxruntime keeps its default
  --regimes LIST        hot, cold or hot,cold (default both)
  --rounds N            rounds per shape, batch and regime (default 3); figure = median of the rounds' ratios
  --samples N           hot: samples per contender per round (default 5; quick 3)
  --min-time S          hot: seconds per contender per round, at least (default 0.1; quick 0.03)
  --cold-samples N      cold: timed calls per contender per round, each after a cache flush (default 5; quick 3)
  --peak-gflops X       FMA peak of gsparse's threads in GFLOP/s (default: measured, see bench/README.md)
  --out FILE            JSON results (default bench/results/bench-<timestamp>.json)
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

/** A suite layer by name, or RxC (named after the suite layer of that shape, if any). */
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
      regimes: { type: 'string' },
      rounds: { type: 'string' },
      samples: { type: 'string' },
      'min-time': { type: 'string' },
      'cold-samples': { type: 'string' },
      'peak-gflops': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const shapes = (values.shapes !== undefined ? list(values.shapes) : quick ? DEFAULT_SHAPES.slice(0, 1) : DEFAULT_SHAPES).map(parseShape);
  const patterns = (values.patterns !== undefined ? list(values.patterns) : defaultPatterns(hw.recommendedBanks))
    .map((p) => patternToString(parsePattern(p)))
    .filter((p) => p !== 'dense');
  const sparsities =
    values.sparsities !== undefined ? list(values.sparsities).map(parseSparsity) : quick ? [0.9] : [...DEFAULT_SPARSITIES];
  const batches =
    values.batches !== undefined ? list(values.batches).map((b) => positiveInt(b, '--batches')) : quick ? [1, 64] : [...DEFAULT_BATCHES];
  const threads = values.threads !== undefined ? positiveInt(values.threads, '--threads') : hw.threads;
  if (shapes.length === 0 || batches.length === 0) throw new RangeError('--shapes and --batches must not be empty');
  const regimes = values.regimes !== undefined ? list(values.regimes) : [...REGIMES];
  for (const r of regimes)
    if (!REGIMES.includes(r as Regime)) throw new RangeError(`--regimes: expected ${REGIMES.join(' or ')}, got '${r}'`);
  const opt = (v: string | undefined, what: string, dflt: number): number => (v !== undefined ? positiveInt(v, what) : dflt);
  const samples = opt(values.samples, '--samples', quick ? 3 : 5);
  const minTimeS = values['min-time'] !== undefined ? positiveNumber(values['min-time'], '--min-time') : quick ? 0.03 : 0.1;
  const coldSamples = opt(values['cold-samples'], '--cold-samples', quick ? 3 : 5);
  return {
    quick,
    shapes,
    patterns: [...new Set(patterns)],
    sparsities: [...new Set(sparsities)],
    batches: [...new Set(batches)],
    threads,
    out: values.out,
    rounds: opt(values.rounds, '--rounds', 3),
    regimes: [...new Set(regimes)] as Regime[],
    timing: { hot: hotPlan(samples, minTimeS), cold: coldPlan(coldSamples) },
    peakGflops: values['peak-gflops'] !== undefined ? positiveNumber(values['peak-gflops'], '--peak-gflops') : undefined,
  };
}

/** Untimed calls before each contender's samples (lazy copies, JIT, thread pools). */
const WARMUP = 2;

/**
 * Hot: at least `samples` samples and `minTimeS` seconds per contender per round, capped at 5 s; calls
 * under 2 ms are looped. The repeat cap is never the one that binds (10^4 samples of >= 2 ms pass 5 s).
 */
function hotPlan(samples: number, minTimeS: number): SamplePlan {
  return { warmup: WARMUP, minRepeats: samples, maxRepeats: 10_000, minTimeMs: minTimeS * 1000, maxTimeMs: 5000, minSampleMs: 2 };
}

/** Cold: exactly `samples` timed calls per contender per round, each after a cache flush. */
function coldPlan(samples: number): SamplePlan {
  return { warmup: WARMUP, minRepeats: samples, maxRepeats: samples, minTimeMs: 0 };
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
