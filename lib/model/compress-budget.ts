// compress() with a target (docs/models.md, "Budgets"): per weight, a sensitivity curve over (pattern, sparsity)
// options (damage, kernel time from the per-shape timings, bytes); the rest of the model measured once; an exact
// knapsack allocation (budget.ts); then verify end to end and, on a miss, correct the estimate and retry (bounded).
// Loaded by compress() only when a target is given: it uses the profiler's timing machinery.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pack } from '../index.js';
import type { DType } from '../native.js';
import { modelFeeds, rowsPerCall } from '../profile/model-profile.js';
import type { FeedSpec } from '../profile/model-feeds.js';
import { DenseReference, type ModelTiming } from '../profile/model-timing.js';
import { MagnitudeIndex, quality } from '../profile/quality.js';
import type { SparseMatrix } from '../sparse-matrix.js';
import { type Allocation, allocate } from './budget.js';
import { OutputErrorProbe, wandaScores, type LayerActivations } from './calibration.js';
import { shapeKey, timeShapes } from './choose-patterns.js';
import { type BuiltModels, buildModels, type PreparedModel } from './compress-build.js';
import { checkTarget } from './budget-target.js';
import type { CompressProgress, CompressResult, CompressTarget, SensitivityCurve, TargetReport } from './compress-types.js';
import { weightMatrix } from './layer-weights.js';
import type { LinearLayer } from './linear-layers.js';
import { packLayer } from './pack-layer.js';
import { encodeModel } from './onnx-io.js';
import type { TensorProto } from './onnx-types.js';
import { readFloats } from './tensor-data.js';

/** Sparsities every sparse pattern is tried at (N:M only at its own). */
export const BUDGET_SPARSITIES: readonly number[] = [0.5, 0.7, 0.8, 0.9, 0.95];
/** Allocations tried before reporting a miss: the first, then up to two corrected by the measured rest. */
const MAX_TRIES = 3;

/** What compressToTarget needs from compress(). */
export interface TargetJob {
  model: string | Uint8Array;
  prepared: PreparedModel;
  target: CompressTarget;
  dtype: DType;
  /** Rows per kernel call (compress's batch; default: what the target's dims imply). */
  batch?: number;
  minRetained: number;
  /** Candidate patterns of one layer (GS's `:permute` form where rows were not grouped by a fold). */
  candidates: (layer: LinearLayer) => string[];
  activations?: Map<string, LayerActivations>;
  progress: (stage: CompressProgress['stage']) => (done: number, total: number, layer: string) => void;
}

const isNm = (p: string): boolean => /^\d+:\d+$/.test(p);
const nmSparsity = (p: string): number => {
  const [n, m] = p.split(':').map(Number);
  return 1 - (n as number) / (m as number);
};

/** The key timeOptions files an option's time under. */
const optionKey = (pattern: string, sparsity: number): string => `${pattern}@${pattern === 'dense' ? 0 : sparsity}`;

/** Every (pattern, sparsity) option of a layer: dense, each sparse pattern at each grid sparsity, N:M at its own. */
function optionsOf(patterns: readonly string[]): { pattern: string; sparsity: number }[] {
  const out = [{ pattern: 'dense', sparsity: 0 }];
  for (const p of patterns) {
    if (p === 'dense') continue;
    if (isNm(p)) out.push({ pattern: p, sparsity: nmSparsity(p) });
    else for (const s of BUDGET_SPARSITIES) out.push({ pattern: p, sparsity: s });
  }
  return out;
}

/**
 * Damage of a pruned W: with calibration the squared output error on the sample (what the layer's output loses);
 * without, the squared relative weight error ||W - Wp||² / ||W||² (the energy pruning removes).
 */
function damageOf(w: Float32Array, pruned: Float32Array, nnz: number, index: MagnitudeIndex, probe?: OutputErrorProbe): number {
  if (probe) return probe.error(pruned) ** 2;
  return quality(w, pruned, nnz, index).relErr ** 2;
}

/** One weight's curve: each option packed once (Wanda scores when calibrated) to measure its damage and bytes. */
function curveOf(layer: LinearLayer, uses: number, w: Float32Array, patterns: readonly string[], dtype: DType,
  act: LayerActivations | undefined, times: Map<string, Map<string, number>> | undefined): SensitivityCurve {
  const scores = act ? wandaScores(w, layer.rows, layer.cols, act.colSqNorm) : undefined;
  const probe = act ? new OutputErrorProbe(act.sample, act.sampleRows, layer.cols, w, layer.rows) : undefined;
  const index = new MagnitudeIndex(w);
  const shapeTimes = times?.get(shapeKey(layer.rows, layer.cols));
  const options = optionsOf(patterns).map(({ pattern, sparsity }) => {
    let m: SparseMatrix | undefined;
    try {
      m = pattern === 'dense'
        ? pack(w, [layer.rows, layer.cols], { pattern, dtype })
        : pack(w, [layer.rows, layer.cols], { pattern, sparsity, dtype, ...(scores ? { scores } : {}) });
      const damage = pattern === 'dense' ? 0 : damageOf(w, m.toDense(), m.nnz, index, probe);
      const timeMs = shapeTimes?.get(optionKey(pattern, sparsity)) ?? 0;
      return { pattern, sparsity, timeMs: timeMs * uses, bytes: m.byteLength, damage: damage * uses };
    } finally {
      m?.dispose();
    }
  });
  return { weight: layer.weight, rows: layer.rows, cols: layer.cols, uses, options, chosen: 0 };
}

/** Kernel time per shape for every (pattern, sparsity) option, keyed `pattern@sparsity`, and 'dense@0'. */
async function timeOptions(shapes: { rows: number; cols: number }[], patterns: readonly string[], batch: number,
  onProgress: (done: number, total: number, what: string) => void): Promise<Map<string, Map<string, number>>> {
  const sparse = patterns.filter((p) => p !== 'dense' && !isNm(p));
  const nm = patterns.filter(isNm);
  const runs: { patterns: string[]; sparsity: number }[] = BUDGET_SPARSITIES.map((s) => ({ patterns: sparse, sparsity: s }));
  if (nm.length > 0) runs.push({ patterns: nm, sparsity: 0.5 });
  const out = new Map<string, Map<string, number>>();
  for (const [i, run] of runs.entries()) {
    onProgress(i, runs.length, `sparsity ${run.sparsity}`);
    const t = await timeShapes(shapes, { patterns: run.patterns, sparsity: run.sparsity, batch });
    for (const [shape, byPattern] of t) {
      const into = out.get(shape) ?? new Map<string, number>();
      for (const [p, ms] of byPattern) into.set(optionKey(p, isNm(p) ? nmSparsity(p) : run.sparsity), ms);
      out.set(shape, into);
    }
  }
  onProgress(runs.length, runs.length, '');
  return out;
}

/** Builds the models with each weight packed as its curve's chosen option says. */
function buildChosen(job: TargetJob, curves: Map<string, SensitivityCurve>, onLayer: (done: number, total: number, layer: string) => void): BuiltModels {
  return buildModels(job.prepared, job.dtype, (layer, w) => {
    const curve = curves.get(layer.weight) as SensitivityCurve;
    const option = curve.options[curve.chosen] as SensitivityCurve['options'][number];
    const act = job.activations?.get(layer.weight);
    return packLayer(w, layer.rows, layer.cols, {
      sparsity: option.sparsity, dtype: job.dtype, candidates: [option.pattern], minRetained: job.minRetained,
      ...(act ? { activations: act } : {}),
    });
  }, onLayer);
}

type Option = SensitivityCurve['options'][number];

/** The curves being allocated: what an option costs (ms or bytes), and choosing per weight. */
class Curves {
  constructor(readonly list: SensitivityCurve[], readonly cost: (o: Option) => number) {}

  /** Allocates the budget and marks each curve's chosen option. */
  allocate(budget: number): Allocation {
    const a = allocate(this.list.map((c) => c.options.map((o) => ({ cost: this.cost(o), damage: o.damage }))), Math.max(budget, 1e-9));
    this.choose(a.choice);
    return a;
  }

  /** Marks option choice[i] of curve i chosen. */
  choose(choice: readonly number[]): void {
    this.list.forEach((c, i) => { c.chosen = choice[i] as number; });
  }

  /** Chooses pick(curve) for every curve and returns the total cost. */
  chooseEach(pick: (c: SensitivityCurve) => number): number {
    this.choose(this.list.map(pick));
    return this.list.reduce((acc, c) => acc + this.cost(c.options[c.chosen] as Option), 0);
  }

  /** The index of a curve's cheapest option. */
  cheapest(c: SensitivityCurve): number {
    return c.options.reduce((best, o, k) => (this.cost(o) < this.cost(c.options[best] as Option) ? k : best), 0);
  }
}

/** Bytes: what is not a compressed weight stays as it is, the packed weights get the rest; the file is checked. */
function meetBytes(job: TargetJob, curves: Curves, bytes: number, build: () => BuiltModels, report: TargetReport): CompressResult {
  const fixed = encodeModel(job.prepared.proto).length - curves.list.reduce((a, c) => a + c.rows * c.cols * 4, 0);
  let budget = bytes - fixed;
  let built: BuiltModels | undefined;
  for (let t = 0; t < MAX_TRIES; t++) {
    const a = curves.allocate(budget);
    built = build();
    report.tries.push({ predicted: fixed + a.cost, measured: built.model.length, budget });
    if (built.model.length <= bytes) break;
    budget -= built.model.length - bytes; // node and header overhead the estimate missed
  }
  report.met = (built as BuiltModels).model.length <= bytes;
  return { ...(built as BuiltModels), target: report };
}

/** Speed: fit the rest of the model, allocate, measure end to end, correct and retry (see the file comment). */
async function meetSpeed(job: TargetJob, curves: Curves, kind: 'speedup' | 'latency', value: number, feeds: FeedSpec[],
  build: () => BuiltModels, report: TargetReport): Promise<CompressResult> {
  const dir = await mkdtemp(join(tmpdir(), 'gsparse-budget-'));
  let reference: DenseReference | undefined;
  try {
    const denseFile = typeof job.model === 'string' ? job.model : join(dir, 'dense.onnx');
    if (typeof job.model !== 'string') await writeFile(denseFile, job.model);
    reference = await DenseReference.start(denseFile, feeds);
    const progress = job.progress('timing');
    const timeBuilt = async (built: BuiltModels, name: string): Promise<ModelTiming> => {
      const file = join(dir, name);
      await writeFile(file, built.model);
      return (await (reference as DenseReference).time([file], {}, (done, total) => progress(done, total, `end to end: ${name}`)))[0] as ModelTiming;
    };
    // End to end = rest + k x (sum of the layers' kernel times from the table): two measurements fit it, every
    // layer dense and every layer at its cheapest option. `rest` is what no layer choice changes (onnxruntime
    // segments, hand-offs); k what a kernel costs inside the session against the profiler's timing of it.
    const denseSum = curves.chooseEach(() => 0);
    const allDense = await timeBuilt(build(), 'all-dense.onnx');
    const cheapSum = curves.chooseEach((c) => curves.cheapest(c));
    const allCheap = await timeBuilt(build(), 'all-cheapest.onnx');
    const k = denseSum > cheapSum && allDense.ms > allCheap.ms ? (allDense.ms - allCheap.ms) / (denseSum - cheapSum) : 1;
    let rest = Math.max(0, allCheap.ms - k * cheapSum);
    report.denseMs = allDense.denseMs;
    const goalMs = kind === 'speedup' ? allDense.denseMs / value : value;
    const meets = (m: ModelTiming) => (kind === 'speedup' ? m.speedup >= value : m.ms <= value);
    let best: { built: BuiltModels; damage: number; choice: number[] } | undefined;
    let last: BuiltModels | undefined;
    for (let t = 0; t < MAX_TRIES; t++) {
      const budget = (goalMs - rest) / k;
      if (report.tries.some((x) => x.budget === budget)) break; // the same allocation again
      const a = curves.allocate(budget);
      last = build();
      const measured = await timeBuilt(last, `try-${t}.onnx`);
      const predictedMs = rest + k * a.cost;
      report.tries.push(kind === 'speedup'
        ? { predicted: measured.denseMs / predictedMs, measured: measured.speedup, budget }
        : { predicted: predictedMs, measured: measured.ms, budget });
      if (meets(measured) && (!best || a.damage < best.damage)) best = { built: last, damage: a.damage, choice: [...a.choice] };
      if (!a.feasible && !meets(measured)) break; // even the cheapest options miss: nothing left to try
      if (meets(measured) && Math.abs(predictedMs - measured.ms) < 0.05 * measured.ms) break; // met, as predicted
      // Correct the estimate by this measurement (either way: a miss tightens, a wide margin relaxes).
      rest = Math.max(0, measured.ms - k * a.cost);
    }
    report.met = best !== undefined;
    if (best) curves.choose(best.choice);
    return { ...(best?.built ?? (last as BuiltModels)), target: report };
  } finally {
    await reference?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** compress() toward a target: see the file comment. */
export async function compressToTarget(job: TargetJob): Promise<CompressResult> {
  const { kind, value } = checkTarget(job.target);
  const { layers } = job.prepared;
  const uses = new Map<string, number>();
  for (const l of layers) uses.set(l.weight, (uses.get(l.weight) ?? 0) + 1);
  const distinct = [...new Map(layers.map((l) => [l.weight, l])).values()];
  const speed = kind !== 'bytes';
  const feeds = speed ? await modelFeeds(job.model, 'dims' in job.target ? job.target.dims ?? {} : {}) : [];
  const batch = job.batch ?? (speed ? rowsPerCall(feeds) : 1);
  const patternsOf = new Map(distinct.map((l) => [l.weight, job.candidates(l)]));
  const times = speed
    ? await timeOptions(distinct.map((l) => ({ rows: l.rows, cols: l.cols })), [...new Set([...patternsOf.values()].flat())], batch, job.progress('timing'))
    : undefined;
  const byWeight = new Map<string, SensitivityCurve>();
  const layerProgress = job.progress('layers');
  for (const [i, l] of distinct.entries()) {
    layerProgress(i, distinct.length, `${l.name}: options`);
    const w = weightMatrix(l, readFloats(job.prepared.index.initializers.get(l.weight) as TensorProto));
    byWeight.set(l.weight, curveOf(l, uses.get(l.weight) ?? 1, w, patternsOf.get(l.weight) ?? [], job.dtype, job.activations?.get(l.weight), times));
  }
  const curves = new Curves([...byWeight.values()], (o) => (speed ? o.timeMs : o.bytes));
  const report: TargetReport = { target: job.target, met: false, tries: [], unit: kind === 'speedup' ? 'speedup' : kind === 'latency' ? 'ms' : 'bytes', curves: curves.list };
  const build = () => buildChosen(job, byWeight, layerProgress);
  return kind === 'bytes' ? meetBytes(job, curves, value, build, report) : meetSpeed(job, curves, kind, value, feeds, build, report);
}
