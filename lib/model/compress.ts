// compress(): prunes and packs a model's linear layers into com.gsparse::SparseLinear nodes, and writes the
// same pruning back into a standard ONNX model (`pruned`) that any runtime can check it against. Steps
// (docs/models.md): fold hidden-unit permutations into neighbouring layers (GS / N:M candidates), calibrate
// (activation-aware scores, output error), time each distinct shape per candidate, pick and pack per layer.
import { hardware } from '../index.js';
import type { DType } from '../native.js';
import { parsePattern, patternToString } from '../pattern.js';
import { collectActivations, type LayerActivations } from './calibration.js';
import { defaultCandidates, shapeKey, timeShapes } from './choose-patterns.js';
import { validateTarget } from './budget-target.js';
import { buildModels, type PreparedModel } from './compress-build.js';
import type { CompressOptions, CompressProgress, CompressResult } from './compress-types.js';
import { indexGraph, topologicalOrder } from './graph.js';
import type { LinearLayer } from './linear-layers.js';
import { loadModel } from './onnx-io.js';
import type { ModelProto } from './onnx-types.js';
import type { Tensor } from './ort.js';
import { permuteModel } from './permute-hidden.js';
import { selectLayers } from './select-layers.js';

export type { CompressOptions, CompressProgress, CompressResult, CompressTarget, LayerReport, SensitivityCurve, TargetReport } from './compress-types.js';

interface Checked extends CompressOptions {
  candidates: string[];
  batch: number;
  minRetained: number;
  dtype: DType;
}

function checkOptions(opts: unknown): Checked {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts: expected an object with sparsity (or target)');
  const o = opts as CompressOptions;
  if (o.target !== undefined) {
    validateTarget(o.target);
    if (o.sparsity !== undefined) throw new TypeError('opts.sparsity: not with opts.target (the target sets each layer\'s sparsity)');
  } else {
    if (typeof o.sparsity !== 'number') throw new TypeError(`opts.sparsity: expected a number, got ${typeof o.sparsity}`);
    if (!(o.sparsity >= 0 && o.sparsity < 1)) throw new RangeError(`opts.sparsity: expected a number in [0, 1), got ${o.sparsity}`);
  }
  for (const key of ['include', 'exclude'] as const)
    if (o[key] !== undefined && !(o[key] instanceof RegExp)) throw new TypeError(`opts.${key}: expected a RegExp`);
  const batch = o.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1 || batch > 65536) throw new RangeError(`opts.batch: expected an integer in 1..65536, got ${String(batch)}`);
  const minRetained = o.minRetained ?? 0.97;
  if (typeof minRetained !== 'number' || !(minRetained >= 0 && minRetained <= 1))
    throw new RangeError(`opts.minRetained: expected a number in [0, 1], got ${String(minRetained)}`);
  if (o.calibration !== undefined && (!Array.isArray(o.calibration) || o.calibration.length === 0))
    throw new TypeError('opts.calibration: expected a non-empty array of feed records');
  const dtype = o.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new RangeError(`opts.dtype: expected 'f32' or 'f16', got ${String(dtype)}`);
  const patterns = o.patterns ?? 'auto';
  let candidates: string[];
  // A target tries every sparsity, so 2:4 (always 50%) is one more option there.
  if (patterns === 'auto') candidates = defaultCandidates(hardware().recommendedBanks, o.target ? 0.5 : o.sparsity);
  else if (!Array.isArray(patterns) || patterns.length === 0) throw new TypeError("opts.patterns: expected 'auto' or a non-empty array of patterns");
  else candidates = [...new Set(patterns.map((p) => patternToString(parsePattern(p))))];
  return { ...o, candidates, batch, minRetained, dtype };
}

const isGs = (p: string): boolean => p.startsWith('gs:');
const isNm = (p: string): boolean => /^\d+:\d+$/.test(p);

/**
 * Per layer candidates: with a choice, a GS candidate also competes in its `:permute` form (rows grouped by a
 * scatter) on layers whose rows no folded permutation grouped; an explicit single pattern is taken as given.
 */
function layerCandidates(o: Checked, rowsFolded: boolean): string[] {
  if (o.candidates.length === 1 || rowsFolded) return o.candidates;
  return o.candidates.flatMap((p) => (isGs(p) && !p.endsWith(':permute') ? [p, `${p}:permute`] : [p]));
}

/** Permutation notes per layer name: what was folded into it, or why not (for `LayerReport.permutation`). */
function permutationNotes(result: ReturnType<typeof permuteModel>): Map<string, string> {
  const notes = new Map<string, string[]>();
  const add = (layer: string, note: string) => notes.set(layer, [...(notes.get(layer) ?? []), note]);
  for (const f of result.folded) {
    add(f.producer, `rows grouped by strength (order folded into ${f.consumers.join(', ')})`);
    for (const c of f.consumers) add(c, `cols dealt across banks by strength (order folded into ${f.producer})`);
  }
  for (const b of result.blocked) add(b.layer, `${b.side} not permuted: ${b.reason}`);
  return new Map([...notes].map(([k, v]) => [k, v.join('; ')]));
}

/** Calibration per weight: the layers' inputs collected once; a B shared by several layers sums their norms. */
async function calibrate(proto: ModelProto, layers: LinearLayer[], feeds: Record<string, Tensor>[]): Promise<Map<string, LayerActivations>> {
  const xs = new Map(layers.map((l) => [l.x, l.cols]));
  const acts = await collectActivations(proto, [...xs].map(([name, cols]) => ({ name, cols })), feeds, { maxSampleRows: 256 });
  const byWeight = new Map<string, LayerActivations>();
  for (const l of layers) {
    const a = acts.get(l.x) as LayerActivations;
    const prev = byWeight.get(l.weight);
    byWeight.set(l.weight, prev ? { ...prev, rows: prev.rows + a.rows, colSqNorm: prev.colSqNorm.map((v, j) => v + (a.colSqNorm[j] as number)) } : a);
  }
  return byWeight;
}

/**
 * Prunes and packs every MatMul / Gemm with constant weights into a SparseLinear node (folding a following
 * bias Add and Relu / Gelu), choosing each layer's pattern among the candidates on this machine (and, with a
 * target, its sparsity too), and returns that model, the same pruning as standard ONNX, and a report per layer.
 */
export async function compress(model: string | Uint8Array, opts: CompressOptions): Promise<CompressResult> {
  const o = checkOptions(opts);
  let { proto } = await loadModel(model);
  topologicalOrder(indexGraph(proto.graph ?? {})); // E_CORRUPT for a cycle or a value nothing defines
  const choice = o.candidates.length > 1;
  let notes = new Map<string, string>();
  const foldedRows = new Set<string>();
  if ((o.permute ?? true) && o.candidates.some((p) => isGs(p) || isNm(p))) {
    const selected = new Set(selectLayers(indexGraph(proto.graph ?? {}), o).layers.map((l) => l.name));
    // GS wants strength order; N:M alone wants units dealt across its groups of m columns.
    const nm = o.candidates.every(isNm) ? Math.max(...o.candidates.map((p) => Number(p.split(':')[1]))) : undefined;
    const permuted = permuteModel(proto, { layers: (producer) => selected.has(producer.name), ...(nm ? { groupSize: nm } : {}) });
    proto = permuted.model;
    notes = permutationNotes(permuted);
    for (const f of permuted.folded) foldedRows.add(f.producer);
  }
  const index = indexGraph(proto.graph ?? {});
  const { layers, reports, order } = selectLayers(index, o);
  const distinct = [...new Map(layers.map((l) => [l.weight, l])).values()];
  const progress = (stage: CompressProgress['stage']) => (done: number, total: number, layer: string) =>
    o.onProgress?.({ stage, done, total, layer });

  let acts: Map<string, LayerActivations> | undefined;
  if (o.calibration) {
    progress('calibration')(0, 1, '');
    acts = await calibrate(proto, layers, o.calibration);
    progress('calibration')(1, 1, '');
  }
  const prepared: PreparedModel = { proto, index, layers, skipped: reports, order, notes };
  if (o.target) {
    const { compressToTarget } = await import('./compress-budget.js');
    return compressToTarget({
      model, prepared, target: o.target, dtype: o.dtype, ...(opts.batch === undefined ? {} : { batch: o.batch }), minRetained: o.minRetained,
      candidates: (l) => layerCandidates(o, foldedRows.has(l.name)), ...(acts ? { activations: acts } : {}), progress,
    });
  }
  let times: Map<string, Map<string, number>> | undefined;
  if (choice) {
    const patterns = [...new Set(distinct.flatMap((l) => layerCandidates(o, foldedRows.has(l.name))))];
    times = await timeShapes(distinct.map((l) => ({ rows: l.rows, cols: l.cols })), {
      patterns, sparsity: o.sparsity as number, batch: o.batch, onProgress: (p) => progress('timing')(p.done, p.total, p.layer),
    });
  }
  // Loaded here: the profiler's quality measure is not part of `import 'gsparse'` (test/kernels-import.test.ts).
  const { packLayer } = await import('./pack-layer.js');

  return buildModels(prepared, o.dtype, (layer, w) => packLayer(w, layer.rows, layer.cols, {
    sparsity: o.sparsity as number, dtype: o.dtype, candidates: layerCandidates(o, foldedRows.has(layer.name)),
    ...(times ? { times: times.get(shapeKey(layer.rows, layer.cols)) as Map<string, number> } : {}),
    minRetained: o.minRetained, ...(acts?.get(layer.weight) ? { activations: acts.get(layer.weight) as LayerActivations } : {}),
  }), progress('layers'));
}
