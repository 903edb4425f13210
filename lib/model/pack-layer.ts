// One layer of compress(): prune + pack W with each candidate pattern (ranked by Wanda scores when calibrated),
// score each (retained magnitude vs unstructured; output error on the calibration sample) and keep the fastest
// that holds quality (choosePattern). Candidates are tried fastest first and the search stops at the first that
// passes: slower ones could not be picked.
import { pack } from '../index.js';
import type { DType } from '../native.js';
import { MagnitudeIndex, quality } from '../profile/quality.js';
import type { SparseMatrix } from '../sparse-matrix.js';
import { OutputErrorProbe, wandaScores, type LayerActivations } from './calibration.js';
import { choosePattern, type PatternCandidate } from './choose-patterns.js';

/** What packLayer needs besides W. */
export interface PackLayerOptions {
  sparsity: number;
  dtype: DType;
  /** Candidate patterns (canonical strings); one candidate means no choice. */
  candidates: readonly string[];
  /** Median ms per pattern of this layer's shape, 'dense' included (timeShapes); required with several candidates. */
  times?: ReadonlyMap<string, number>;
  minRetained: number;
  /** This layer's input activations: Wanda scores and output error. */
  activations?: LayerActivations;
}

/** The packed layer and how it was chosen. */
export interface PackedLayer {
  matrix: SparseMatrix;
  pattern: string;
  /** Why this pattern (absent when there was one candidate). */
  why?: string;
  /** Retained magnitude (of the Wanda scores when calibrated) relative to unstructured pruning at the same nnz. */
  retained: number;
  /** Dense time / this pattern's time for the layer's shape, when timed. */
  speedup?: number;
  /** ||X Wᵀ - X Wpᵀ|| / ||X Wᵀ|| on the calibration sample. */
  outputError?: number;
  /** The same error with plain magnitude pruning to the same pattern (what activation-aware pruning improves on). */
  magnitudeOutputError?: number;
}

/** Mask of `pruned` applied to `scores`: what retained-by-score needs. */
function maskedScores(scores: Float32Array, pruned: Float32Array): Float32Array {
  const out = new Float32Array(scores.length);
  for (let i = 0; i < out.length; i++) if (pruned[i] !== 0) out[i] = scores[i] as number;
  return out;
}

/** Prunes and packs w [rows, cols] with the best candidate (see file comment); the caller disposes `matrix`. */
export function packLayer(w: Float32Array, rows: number, cols: number, o: PackLayerOptions): PackedLayer {
  const act = o.activations;
  const scores = act ? wandaScores(w, rows, cols, act.colSqNorm) : undefined;
  const ranked = scores ?? w;
  const index = new MagnitudeIndex(ranked);
  const probe = act ? new OutputErrorProbe(act.sample, act.sampleRows, cols, w, rows) : undefined;
  const prunePack = (pattern: string, withScores: boolean): SparseMatrix =>
    pack(w, [rows, cols], { pattern, sparsity: o.sparsity, dtype: o.dtype, ...(withScores && scores ? { scores } : {}) });
  const evaluate = (m: SparseMatrix): { retained: number; outputError?: number } => {
    const pruned = m.toDense();
    const retained = quality(ranked, scores ? maskedScores(scores, pruned) : pruned, m.nnz, index).retainedRatio;
    return probe ? { retained, outputError: probe.error(pruned) } : { retained };
  };
  const magnitudeError = (pattern: string): number | undefined => {
    if (!probe || !scores) return undefined;
    const m = prunePack(pattern, false);
    try {
      return probe.error(m.toDense());
    } finally {
      m.dispose();
    }
  };

  if (o.candidates.length === 1) {
    const pattern = o.candidates[0] as string;
    const matrix = prunePack(pattern, true);
    return { matrix, pattern, ...evaluate(matrix), magnitudeOutputError: magnitudeError(pattern) };
  }
  const times = o.times;
  const denseMs = times?.get('dense');
  if (!times || denseMs === undefined) throw new Error('packLayer: several candidates need their times (timeShapes)');
  const unstructured = (() => {
    if (!probe) return undefined;
    const m = prunePack('csr', true);
    try {
      return probe.error(m.toDense());
    } finally {
      m.dispose();
    }
  })();
  const order = [...o.candidates].sort((a, b) => (times.get(a) ?? Infinity) - (times.get(b) ?? Infinity));
  const seen: PatternCandidate[] = [];
  let chosen: { matrix: SparseMatrix; pattern: string; retained: number; outputError?: number } | undefined;
  const choose = () => choosePattern({ name: '', rows, cols }, seen, {
    minRetained: o.minRetained, denseMs, timedCount: order.length, ...(unstructured === undefined ? {} : { unstructuredError: unstructured }),
  });
  for (const pattern of order) {
    const timeMs = times.get(pattern);
    if (timeMs === undefined || timeMs >= denseMs) break; // sorted: nothing after this beats dense either
    const m = prunePack(pattern, true);
    const q = evaluate(m);
    seen.push({ pattern, timeMs, ...q });
    if (choose().pattern === pattern) {
      chosen = { matrix: m, pattern, ...q };
      break;
    }
    m.dispose();
  }
  const choice = choose();
  if (!chosen) {
    // Dense: no sparse candidate both holds quality and beats dense on this machine.
    const matrix = pack(w, [rows, cols], { pattern: 'dense', dtype: o.dtype });
    return { matrix, pattern: 'dense', why: choice.why, retained: 1, speedup: 1, ...(probe ? { outputError: probe.error(matrix.toDense()) } : {}) };
  }
  const timeMs = times.get(chosen.pattern) as number;
  return { ...chosen, why: choice.why, speedup: denseMs / timeMs, magnitudeOutputError: magnitudeError(chosen.pattern) };
}
