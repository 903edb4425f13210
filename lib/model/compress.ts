// compress(): prunes and packs a model's linear layers into com.gsparse::SparseLinear nodes, and writes the
// same pruning back into a standard ONNX model (`pruned`) that any runtime can check it against. Steps
// (docs/models.md): fold hidden-unit permutations into neighbouring layers (GS / N:M candidates), calibrate
// (activation-aware scores, output error), time each distinct shape per candidate, pick and pack per layer.
import { hardware } from '../index.js';
import type { Activation, DType } from '../native.js';
import { parsePattern, patternToString, type Pattern } from '../pattern.js';
import { collectActivations, type LayerActivations } from './calibration.js';
import { defaultCandidates, shapeKey, timeShapes } from './choose-patterns.js';
import { indexGraph, type GraphIndex, nodeInputs, topologicalOrder } from './graph.js';
import { biasVector, prunedB, weightMatrix } from './layer-weights.js';
import { findLinearLayers, type LinearLayer } from './linear-layers.js';
import { narrowModel } from './narrow.js';
import { dimsOf, encodeModel, loadModel } from './onnx-io.js';
import type { ModelProto, NodeProto, TensorProto } from './onnx-types.js';
import type { Tensor } from './ort.js';
import { permuteModel } from './permute-hidden.js';
import { GSPARSE_DOMAIN, sparseLinearNode } from './sparse-linear.js';
import { bytesTensor, floatTensor, readFloats } from './tensor-data.js';

/** Options of compress() (docs/models.md). */
export interface CompressOptions {
  /** Target fraction of zeros of each compressed layer, e.g. 0.9 (N:M patterns have their own). */
  sparsity: number;
  /**
   * Candidates per layer: 'auto' (default: csr, GS with this CPU's banks, block:4x1; docs/models.md) or a list.
   * With several, each distinct layer shape is timed here at `batch` and each layer gets the fastest candidate
   * that keeps quality (`minRetained`, and the output error with calibration); with one, every layer gets it.
   */
  patterns?: 'auto' | (string | Pattern)[];
  /** Rows per call to optimise for (tokens x batch for transformers); default 1. */
  batch?: number;
  /** Sample feeds: pruning by activation-aware (Wanda) scores, and each layer's output error measured. */
  calibration?: Record<string, Tensor>[];
  /** Quality bound of the choice: retained magnitude vs unstructured pruning at the same nnz (default 0.97). */
  minRetained?: number;
  /** Fold hidden-unit permutations into neighbouring layers when GS or N:M is a candidate (default true). */
  permute?: boolean;
  /** Only layers whose node name or weight name matches. */
  include?: RegExp;
  /** Not layers whose node name or weight name matches. */
  exclude?: RegExp;
  /** Storage of the packed weights. */
  dtype?: DType;
  /** Progress over the steps: `stage` 'timing' (shapes x candidates), 'calibration', then 'layers'. */
  onProgress?: (p: CompressProgress) => void;
}

/** One progress report of compress(). */
export interface CompressProgress {
  stage: 'timing' | 'calibration' | 'layers';
  done: number;
  total: number;
  /** The layer (or shape, while timing) being worked on. */
  layer: string;
}

/** What compress() did to one MatMul / Gemm node. */
export interface LayerReport {
  /** The MatMul / Gemm node's name. */
  name: string;
  op: string;
  /** The weight initializer B ('' when the layer was skipped before finding one). */
  weight: string;
  /** W = [rows, cols] = [out, in]; 0 when skipped before the shape was known. */
  rows: number;
  cols: number;
  /** Why the layer was left to onnxruntime; absent when it was compressed. */
  skipped?: string;
  pattern?: string;
  sparsity?: number;
  nnz?: number;
  /** Bytes of the packed weights. */
  byteLength?: number;
  /** Bytes of the dense fp32 weights. */
  denseBytes?: number;
  activation?: Activation;
  bias?: boolean;
  /** Why this pattern: the choice among several candidates, in a sentence. */
  why?: string;
  /** Retained magnitude relative to unstructured pruning at the same nnz (of the Wanda scores when calibrated). */
  retained?: number;
  /** Dense time / chosen pattern's time for this shape at `batch`, measured here (several candidates only). */
  speedup?: number;
  /** ||X Wᵀ - X Wpᵀ|| / ||X Wᵀ|| on the calibration sample. */
  outputError?: number;
  /** The same with plain magnitude pruning to the same pattern: what activation-aware pruning gained. */
  magnitudeOutputError?: number;
  /** Hidden-unit permutations folded into this layer, or why they could not be. */
  permutation?: string;
}

/** compress()'s result (docs/models.md). */
export interface CompressResult {
  /** ONNX with each compressed layer one com.gsparse::SparseLinear node; run it with gsparse's InferenceSession. */
  model: Uint8Array;
  /** Standard ONNX: the same graph and shapes with the pruned weights set to zero. */
  pruned: Uint8Array;
  layers: LayerReport[];
  /**
   * When a layer got the `channel` pattern: `pruned` with those layers' removed units cut out of them and
   * their consumers (docs/models.md, narrowing): a smaller dense model that any runtime runs faster.
   */
  narrowed?: Uint8Array;
}

interface Checked extends CompressOptions {
  candidates: string[];
  batch: number;
  minRetained: number;
  dtype: DType;
}

function checkOptions(opts: unknown): Checked {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts: expected an object with sparsity');
  const o = opts as CompressOptions;
  if (typeof o.sparsity !== 'number') throw new TypeError(`opts.sparsity: expected a number, got ${typeof o.sparsity}`);
  if (!(o.sparsity >= 0 && o.sparsity < 1)) throw new RangeError(`opts.sparsity: expected a number in [0, 1), got ${o.sparsity}`);
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
  if (patterns === 'auto') candidates = defaultCandidates(hardware().recommendedBanks, o.sparsity);
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

/**
 * Weights gsparse must leave alone, and why: a B some other node also reads (pruning it would change that
 * node), or a B that layers use with different transposes or alpha (each would prune it differently).
 */
function sharedWeights(index: GraphIndex, layers: LinearLayer[]): Map<string, string> {
  const reasons = new Map<string, string>();
  const layerNodes = new Set(layers.map((l) => l.node));
  const form = new Map<string, string>();
  for (const l of layers) {
    const other = (index.consumers.get(l.weight) ?? []).find((c) => !layerNodes.has(c));
    if (other !== undefined) reasons.set(l.weight, `B is also read by node '${index.nodes[other]?.name || index.nodes[other]?.opType}'`);
    const key = `${l.weightIsB}|${l.alpha}`;
    if ((form.get(l.weight) ?? key) !== key) reasons.set(l.weight, 'B is shared by layers with different transB or alpha');
    form.set(l.weight, key);
  }
  return reasons;
}

/** A unique value name for something gsparse adds to the graph. */
function uniqueName(taken: Set<string>, base: string): string {
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}

/** Layers compress() takes (after include / exclude and shared-weight checks); reports for those it leaves. */
function selectLayers(index: GraphIndex, o: CompressOptions): { layers: LinearLayer[]; reports: LayerReport[]; order: Map<string, number> } {
  const found = findLinearLayers(index);
  const reports: LayerReport[] = found.skipped.map((s) => ({ name: s.name, op: s.op, weight: '', rows: 0, cols: 0, skipped: s.reason }));
  const skip = (l: LinearLayer, reason: string) =>
    reports.push({ name: l.name, op: l.op, weight: l.weight, rows: l.rows, cols: l.cols, skipped: reason });
  const selected = found.layers.filter((l) => {
    const names = [l.name, l.weight];
    const keep = (!o.include || names.some((n) => (o.include as RegExp).test(n))) && !(o.exclude && names.some((n) => (o.exclude as RegExp).test(n)));
    if (!keep) skip(l, 'excluded by include / exclude');
    return keep;
  });
  const shared = sharedWeights(index, selected);
  const layers = selected.filter((l) => {
    const reason = shared.get(l.weight);
    if (reason) skip(l, reason);
    return reason === undefined;
  });
  const order = new Map([...found.layers, ...found.skipped].map((l) => [l.name, l.node]));
  return { layers, reports, order };
}

/** The compressed model: layers replaced, folded nodes removed, initializers only they read dropped. */
function compressedModel(proto: ModelProto, index: GraphIndex, replaced: Map<number, NodeProto>, removed: Set<number>,
  added: TensorProto[]): ModelProto {
  const graph = proto.graph ?? {};
  const nodes = (graph.node ?? []).flatMap((n, i) => (removed.has(i) ? [] : [replaced.get(i) ?? n]));
  const stillRead = new Set(nodes.flatMap((n) => nodeInputs(n)));
  const dropped = (name = '') => index.consumers.has(name) && !stillRead.has(name) && !index.outputs.includes(name);
  const opsets = proto.opsetImport ?? [];
  return {
    ...proto,
    opsetImport: opsets.some((o) => o.domain === GSPARSE_DOMAIN) ? opsets : [...opsets, { domain: GSPARSE_DOMAIN, version: 1 }],
    graph: {
      ...graph,
      node: nodes,
      initializer: [...(graph.initializer ?? []).filter((t) => !dropped(t.name)), ...added],
      input: (graph.input ?? []).filter((v) => !index.initializers.has(v.name ?? '') || !dropped(v.name)),
    },
  };
}

/** The pruned model: the original with each compressed B replaced by its pruned copy. */
function prunedModel(proto: ModelProto, prunedWeights: Map<string, Float32Array>): ModelProto {
  const graph = proto.graph ?? {};
  const initializer = (graph.initializer ?? []).map((t) => {
    const w = prunedWeights.get(t.name ?? '');
    return w ? floatTensor(t.name ?? '', dimsOf(t), w) : t;
  });
  return { ...proto, graph: { ...graph, initializer } };
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
 * bias Add and Relu / Gelu), choosing each layer's pattern among the candidates on this machine, and returns
 * that model, the same pruning as standard ONNX, and a report per layer.
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
  let times: Map<string, Map<string, number>> | undefined;
  if (choice) {
    const patterns = [...new Set(distinct.flatMap((l) => layerCandidates(o, foldedRows.has(l.name))))];
    times = await timeShapes(distinct.map((l) => ({ rows: l.rows, cols: l.cols })), {
      patterns, sparsity: o.sparsity, batch: o.batch, onProgress: (p) => progress('timing')(p.done, p.total, p.layer),
    });
  }
  // Loaded here: the profiler's quality measure is not part of `import 'gsparse'` (test/kernels-import.test.ts).
  const { packLayer } = await import('./pack-layer.js');

  const names = new Set<string>([...index.producer.keys(), ...index.initializers.keys(), ...index.consumers.keys()]);
  const packedByWeight = new Map<string, { name: string; report: LayerReport }>();
  const prunedWeights = new Map<string, Float32Array>();
  const added: TensorProto[] = [];
  const replaced = new Map<number, NodeProto>();
  const removed = new Set<number>();
  for (const [done, layer] of layers.entries()) {
    progress('layers')(done, layers.length, layer.name);
    const base = {
      name: layer.name, op: layer.op, weight: layer.weight, rows: layer.rows, cols: layer.cols, activation: layer.activation,
      bias: layer.bias !== undefined, ...(notes.has(layer.name) ? { permutation: notes.get(layer.name) } : {}),
    };
    // A B shared by several layers (one transB and alpha, see sharedWeights) is packed once.
    let packed = packedByWeight.get(layer.weight);
    if (packed === undefined) {
      const b = readFloats(index.initializers.get(layer.weight) as TensorProto);
      const w = weightMatrix(layer, b);
      const activations = acts?.get(layer.weight);
      const pick = packLayer(w, layer.rows, layer.cols, {
        sparsity: o.sparsity, dtype: o.dtype, candidates: layerCandidates(o, foldedRows.has(layer.name)),
        ...(times ? { times: times.get(shapeKey(layer.rows, layer.cols)) as Map<string, number> } : {}),
        minRetained: o.minRetained, ...(activations ? { activations } : {}),
      });
      const m = pick.matrix;
      try {
        prunedWeights.set(layer.weight, prunedB(layer, b, m.toDense(), o.dtype));
        const name = uniqueName(names, `${layer.weight}.gsparse`);
        added.push(bytesTensor(name, m.serialize()));
        const report: LayerReport = {
          ...base, pattern: patternToString(m.pattern), sparsity: m.sparsity, nnz: m.nnz, byteLength: m.byteLength,
          denseBytes: layer.rows * layer.cols * 4, retained: pick.retained,
          ...(pick.why === undefined ? {} : { why: pick.why }),
          ...(pick.speedup === undefined ? {} : { speedup: pick.speedup }),
          ...(pick.outputError === undefined ? {} : { outputError: pick.outputError }),
          ...(pick.magnitudeOutputError === undefined ? {} : { magnitudeOutputError: pick.magnitudeOutputError }),
        };
        packed = { name, report };
        packedByWeight.set(layer.weight, packed);
        reports.push(report);
      } finally {
        m.dispose();
      }
    } else {
      reports.push({ ...packed.report, ...base });
    }
    const bias = biasVector(layer);
    const biasName = bias ? uniqueName(names, `${layer.name}.gsparse_bias`) : undefined;
    if (bias && biasName) added.push(floatTensor(biasName, [layer.rows], bias));
    replaced.set(layer.node, sparseLinearNode(layer.name, layer.x, packed.name, biasName, layer.output, layer.activation));
    for (const f of layer.folded) removed.add(f);
  }
  progress('layers')(layers.length, layers.length, '');
  reports.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0)); // graph order
  const pruned = prunedModel(proto, prunedWeights);
  const narrowed = reports.some((r) => r.pattern === 'channel') ? encodeModel(narrowModel(pruned).model) : undefined;
  return {
    model: encodeModel(compressedModel(proto, index, replaced, removed, added)),
    pruned: encodeModel(pruned),
    layers: reports,
    ...(narrowed ? { narrowed } : {}),
  };
}
