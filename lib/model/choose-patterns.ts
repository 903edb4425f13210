// Per-layer pattern choice for compress({ patterns: 'auto' }): time each distinct layer shape once per candidate
// pattern with the profiler (imported on first use), then pick per layer the fastest candidate whose quality holds.
import { parsePattern, patternToString } from '../pattern.js';
import type { MeasureOptions, ProfileProgress } from '../profile/types.js';

/** Default ChooseOptions.minRetained (the profiler's recommend() uses the same bound). */
export const DEFAULT_MIN_RETAINED = 0.97;
/**
 * Default ChooseOptions.errorTolerance: a candidate's output error may exceed unstructured pruning's by 10%
 * (relative). Patterns that keep magnitude (retained >= 0.97) land within ~2% of unstructured; 0.25 would
 * let 90%-sparse layers through at 0.94 where random pruning gives 0.95 (docs/models.md).
 */
export const DEFAULT_ERROR_TOLERANCE = 0.1;
/** Absolute slack on the output-error bound, so that float noise around a near-zero error rejects nothing. */
export const ERROR_EPSILON = 1e-6;
/** Timing budget per (shape, pattern): enough for a stable median of the small matmuls compress times. */
export const TIMING_BUDGET: Required<MeasureOptions> = { warmup: 1, minRepeats: 3, maxRepeats: 20, minTimeMs: 10 };

/** Options of timeShapes(). */
export interface TimeShapesOptions {
  /** Candidate patterns; 'dense' is always timed too. N:M patterns are timed at their own sparsity 1 - n/m. */
  patterns: string[];
  /** Target sparsity in (0, 1). */
  sparsity: number;
  /** Rows per call. */
  batch: number;
  /** Timing budget per (shape, pattern); default TIMING_BUDGET. */
  measure?: MeasureOptions;
  /** The profiler's progress; `layer` is the shape key `${rows}x${cols}`. */
  onProgress?: (p: ProfileProgress) => void;
}

/** The key timeShapes() files a shape under. */
export function shapeKey(rows: number, cols: number): string {
  return `${rows}x${cols}`;
}

/**
 * Median ms of each distinct [rows, cols] shape per pattern (as given) and 'dense', timed once per shape with the
 * profiler on the cpu backend: layers of one shape run alike, so a 12-layer BERT needs 4 shapes timed, not 72 layers.
 */
export async function timeShapes(shapes: { rows: number; cols: number }[],
  opts: TimeShapesOptions): Promise<Map<string, Map<string, number>>> {
  const keys = [...new Map(shapes.map((s) => [shapeKey(s.rows, s.cols), s])).values()];
  const canonical = new Map(opts.patterns.map((p) => [p, patternToString(parsePattern(p))]));
  canonical.set('dense', 'dense');
  const out = new Map<string, Map<string, number>>();
  if (keys.length === 0) return out;
  // Loaded here, not at the top: compress() is part of `import 'gsparse'`, which must not load the profiler.
  const { profile } = await import('../profile/profile.js');
  const report = await profile({
    layers: keys.map((s) => ({ name: shapeKey(s.rows, s.cols), rows: s.rows, cols: s.cols })),
    patterns: [...new Set(canonical.values())],
    sparsities: [opts.sparsity],
    batches: [opts.batch],
    backends: ['cpu'],
    ...TIMING_BUDGET,
    ...opts.measure,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  for (const s of keys) {
    const key = shapeKey(s.rows, s.cols);
    const times = new Map<string, number>();
    for (const [given, pattern] of canonical) {
      const r = report.results.find((x) => x.layer === key && x.pattern === pattern);
      if (r) times.set(given, r.timeMs.median);
    }
    out.set(key, times);
  }
  return out;
}

/**
 * Candidates for 'auto' on this CPU (banks = hardware().recommendedBanks): csr, GS with one and four elements per
 * row and group, and 4x1 blocks; 2:4 only at sparsity 0.5, the one sparsity it prunes to (elsewhere it would
 * silently change the layer's sparsity). Channel pruning is left out: it never keeps enough magnitude.
 */
export function defaultCandidates(banks: number, sparsity?: number): string[] {
  const list = ['csr', `gs:${banks}`, `gs:${banks}x4`, 'block:4x1'];
  if (sparsity !== undefined && Math.abs(sparsity - 0.5) < 1e-9) list.push('2:4');
  return list;
}

/** One pattern considered for a layer. */
export interface PatternCandidate {
  pattern: string;
  /** Median ms of the layer's shape (timeShapes). */
  timeMs: number;
  /** Retained magnitude relative to unstructured pruning at the same nnz (quality().retainedRatio), 0..1. */
  retained: number;
  /** Layer output error on the calibration sample (OutputErrorProbe). */
  outputError?: number;
}

/** Options of choosePattern(). */
export interface ChooseOptions {
  /** Least `retained` a candidate needs (default DEFAULT_MIN_RETAINED). */
  minRetained?: number;
  /** Relative slack over unstructuredError (default DEFAULT_ERROR_TOLERANCE). */
  errorTolerance?: number;
  /** Output error of unstructured magnitude pruning (csr) at the same sparsity; enables the output-error rule. */
  unstructuredError?: number;
  /** Median ms of the dense layer: a sparse pick must be faster. */
  denseMs: number;
  /** Candidates timed in all, when only the fastest few were scored (they stop at the first that passes). */
  timedCount?: number;
}

/** Why a faster candidate was not picked: retained magnitude or output error beyond the bounds. */
export type RejectReason = 'quality' | 'output error';

/** The pattern picked for a layer, a sentence saying why, and the faster candidates left out. */
export interface PatternChoice {
  pattern: string;
  why: string;
  /** Candidates faster than the pick that failed a quality bound, fastest first. */
  rejected: { pattern: string; reason: RejectReason }[];
}

const ms = (t: number): string => `${t < 10 ? t.toPrecision(2) : t.toFixed(1)} ms`;

/**
 * The fastest candidate whose retained >= minRetained and, with calibration, whose output error <=
 * unstructuredError * (1 + errorTolerance) + ERROR_EPSILON; 'dense' when none of those beats denseMs. Pure.
 */
export function choosePattern(layer: { name: string; rows: number; cols: number }, candidates: readonly PatternCandidate[],
  opts: ChooseOptions): PatternChoice {
  const minRetained = opts.minRetained ?? DEFAULT_MIN_RETAINED;
  const tolerance = opts.errorTolerance ?? DEFAULT_ERROR_TOLERANCE;
  if (!(minRetained >= 0 && minRetained <= 1)) throw new RangeError(`minRetained: expected a number in [0, 1], got ${String(minRetained)}`);
  if (!(tolerance >= 0)) throw new RangeError(`errorTolerance: expected a number >= 0, got ${String(tolerance)}`);
  if (!(opts.denseMs > 0)) throw new RangeError(`denseMs: expected a positive time for layer '${layer.name}', got ${String(opts.denseMs)}`);
  const maxError = opts.unstructuredError === undefined ? undefined : opts.unstructuredError * (1 + tolerance) + ERROR_EPSILON;
  const reason = (c: PatternCandidate): RejectReason | undefined =>
    !(c.retained >= minRetained) ? 'quality'
      : maxError !== undefined && c.outputError !== undefined && !(c.outputError <= maxError) ? 'output error' : undefined;
  const sorted = candidates.filter((c) => c.pattern !== 'dense').sort((a, b) => a.timeMs - b.timeMs);
  const best = sorted.find((c) => reason(c) === undefined && c.timeMs < opts.denseMs);
  const limit = best?.timeMs ?? opts.denseMs;
  const rejected = sorted
    .filter((c) => c.timeMs < limit && reason(c) !== undefined)
    .map((c) => ({ pattern: c.pattern, reason: reason(c) as RejectReason }));
  const skipped = rejected.length > 0 ? `; faster ${rejected.map((r) => `${r.pattern} (${r.reason})`).join(', ')} rejected` : '';
  if (!best) {
    const passing = sorted.filter((c) => reason(c) === undefined);
    const why = passing.length === 0
      ? `no candidate of ${sorted.length} keeps quality`
      : `no candidate that keeps quality beats dense (${ms(opts.denseMs)}; best ${(passing[0] as PatternCandidate).pattern} ${ms((passing[0] as PatternCandidate).timeMs)})`;
    return { pattern: 'dense', why: why + skipped, rejected };
  }
  const err = maxError !== undefined && best.outputError !== undefined ? `, output error ${best.outputError.toPrecision(3)} <= ${maxError.toPrecision(3)}` : '';
  const why = `fastest${rejected.length > 0 ? ' passing' : ''} of ${Math.max(sorted.length, opts.timedCount ?? 0)} (${ms(best.timeMs)} vs dense ${ms(opts.denseMs)}); retained ${best.retained.toFixed(3)} >= ${minRetained}${err}${skipped}`;
  return { pattern: best.pattern, why, rejected };
}
