// compress(): prunes and packs a model's linear layers into com.gsparse::SparseLinear nodes, and writes the
// same pruning back into a standard ONNX model (`pruned`) that any runtime can check it against.
import { hardware, pack } from '../index.js';
import type { Activation, DType } from '../native.js';
import { parsePattern, patternToString, type Pattern } from '../pattern.js';
import { indexGraph, type GraphIndex, nodeInputs, topologicalOrder } from './graph.js';
import { findLinearLayers, type LinearLayer } from './linear-layers.js';
import { dimsOf, encodeModel, loadModel } from './onnx-io.js';
import type { ModelProto, NodeProto, TensorProto } from './onnx-types.js';
import type { Tensor } from './ort.js';
import { GSPARSE_DOMAIN, sparseLinearNode } from './sparse-linear.js';
import { bytesTensor, floatTensor, readFloats } from './tensor-data.js';

/** Options of compress() (docs/models.md). */
export interface CompressOptions {
  /** Target fraction of zeros of each compressed layer, e.g. 0.9 (N:M patterns have their own). */
  sparsity: number;
  /**
   * The pattern every layer is packed with: a list of one pattern for now (per-layer choice among several is
   * the next step). 'auto' (default) is, until then, GS with the banks that suit this CPU (hardware()).
   */
  patterns?: 'auto' | (string | Pattern)[];
  /** Rows per call to optimise for (used by per-layer choice, not yet). */
  batch?: number;
  /** Sample feeds for activation-aware pruning (not yet used). */
  calibration?: Record<string, Tensor>[];
  /** Only layers whose node name or weight name matches. */
  include?: RegExp;
  /** Not layers whose node name or weight name matches. */
  exclude?: RegExp;
  /** Storage of the packed weights. */
  dtype?: DType;
  onProgress?: (p: { done: number; total: number; layer: string }) => void;
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
}

/** compress()'s result (docs/models.md). */
export interface CompressResult {
  /** ONNX with each compressed layer one com.gsparse::SparseLinear node; run it with gsparse's InferenceSession. */
  model: Uint8Array;
  /** Standard ONNX: the same graph and shapes with the pruned weights set to zero. */
  pruned: Uint8Array;
  layers: LayerReport[];
}

function checkOptions(opts: unknown): CompressOptions & { pattern: Pattern } {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts: expected an object with sparsity');
  const o = opts as CompressOptions;
  if (typeof o.sparsity !== 'number') throw new TypeError(`opts.sparsity: expected a number, got ${typeof o.sparsity}`);
  if (!(o.sparsity >= 0 && o.sparsity < 1)) throw new RangeError(`opts.sparsity: expected a number in [0, 1), got ${o.sparsity}`);
  for (const key of ['include', 'exclude'] as const)
    if (o[key] !== undefined && !(o[key] instanceof RegExp)) throw new TypeError(`opts.${key}: expected a RegExp`);
  const patterns = o.patterns ?? 'auto';
  let pattern: Pattern;
  if (patterns === 'auto') pattern = { kind: 'gs', banks: hardware().recommendedBanks, perRow: 1 };
  else if (!Array.isArray(patterns)) throw new TypeError("opts.patterns: expected 'auto' or an array of patterns");
  else if (patterns.length !== 1)
    throw new RangeError(`opts.patterns: expected one pattern (per-layer choice among several is not implemented yet), got ${patterns.length}`);
  else pattern = parsePattern(patterns[0] as string | Pattern);
  return { ...o, pattern };
}

/** Calls fn(i, j) for each weight: i its index in W [rows, cols], j in B; in 64 x 64 tiles (B = Wᵀ reads stay cached). */
function eachWeight(layer: LinearLayer, fn: (i: number, j: number) => void): void {
  const { rows, cols, weightIsB } = layer;
  const T = 64;
  for (let r0 = 0; r0 < rows; r0 += T)
    for (let c0 = 0; c0 < cols; c0 += T)
      for (let r = r0; r < Math.min(rows, r0 + T); r++)
        for (let c = c0; c < Math.min(cols, c0 + T); c++) fn(r * cols + c, weightIsB ? r * cols + c : c * rows + r);
}

/** W = alpha · (B or Bᵀ) as [rows, cols]. */
function weightMatrix(layer: LinearLayer, b: Float32Array): Float32Array {
  const w = new Float32Array(layer.rows * layer.cols);
  eachWeight(layer, (i, j) => {
    w[i] = layer.alpha * (b[j] as number);
  });
  return w;
}

/**
 * B with zeros wherever the packed W (in B's layout) pruned a weight. Kept weights are B's own values, or with
 * fp16 storage the stored (rounded) ones, so that `pruned` computes what the packed model computes.
 */
function prunedB(layer: LinearLayer, b: Float32Array, packed: Float32Array, dtype: DType): Float32Array {
  const out = new Float32Array(b.length);
  eachWeight(layer, (i, j) => {
    const w = packed[i] as number;
    if (w !== 0) out[j] = dtype === 'f16' ? w / layer.alpha : (b[j] as number);
  });
  return out;
}

/** The bias vector [rows] of a layer: C or the folded Add's constant, scaled and broadcast. */
function biasVector(layer: LinearLayer): Float32Array | undefined {
  if (!layer.bias) return undefined;
  const c = readFloats(layer.bias.tensor);
  const out = new Float32Array(layer.rows);
  for (let r = 0; r < layer.rows; r++) out[r] = layer.bias.scale * (c.length === 1 ? (c[0] as number) : (c[r] as number));
  return out;
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

/**
 * Prunes and packs every MatMul / Gemm with constant weights into a SparseLinear node (folding a following
 * bias Add and Relu / Gelu), and returns that model, the same pruning as standard ONNX, and a report per layer.
 */
export async function compress(model: string | Uint8Array, opts: CompressOptions): Promise<CompressResult> {
  const o = checkOptions(opts);
  const { proto } = await loadModel(model);
  const index = indexGraph(proto.graph ?? {});
  topologicalOrder(index); // E_CORRUPT for a cycle or a value nothing defines
  const { layers, reports, order } = selectLayers(index, o);
  const dtype = o.dtype ?? 'f32';
  const names = new Set<string>([...index.producer.keys(), ...index.initializers.keys(), ...index.consumers.keys()]);
  const packedByWeight = new Map<string, string>();
  const prunedWeights = new Map<string, Float32Array>();
  const added: TensorProto[] = [];
  const replaced = new Map<number, NodeProto>();
  const removed = new Set<number>();
  for (const [done, layer] of layers.entries()) {
    o.onProgress?.({ done, total: layers.length, layer: layer.name });
    const report = { name: layer.name, op: layer.op, weight: layer.weight, rows: layer.rows, cols: layer.cols, activation: layer.activation, bias: layer.bias !== undefined };
    // A B shared by several layers (one transB and alpha, see sharedWeights) is packed once.
    let packedName = packedByWeight.get(layer.weight);
    if (packedName === undefined) {
      const b = readFloats(index.initializers.get(layer.weight) as TensorProto);
      const m = pack(weightMatrix(layer, b), [layer.rows, layer.cols], { pattern: o.pattern, sparsity: o.sparsity, dtype });
      try {
        prunedWeights.set(layer.weight, prunedB(layer, b, m.toDense(), dtype));
        packedName = uniqueName(names, `${layer.weight}.gsparse`);
        added.push(bytesTensor(packedName, m.serialize()));
        packedByWeight.set(layer.weight, packedName);
        reports.push({ ...report, pattern: patternToString(m.pattern), sparsity: m.sparsity, nnz: m.nnz, byteLength: m.byteLength, denseBytes: layer.rows * layer.cols * 4 });
      } finally {
        m.dispose();
      }
    } else {
      const first = reports.find((r) => r.weight === layer.weight && r.skipped === undefined) as LayerReport;
      reports.push({ ...first, ...report });
    }
    const bias = biasVector(layer);
    const biasName = bias ? uniqueName(names, `${layer.name}.gsparse_bias`) : undefined;
    if (bias && biasName) added.push(floatTensor(biasName, [layer.rows], bias));
    replaced.set(layer.node, sparseLinearNode(layer.name, layer.x, packedName, biasName, layer.output, layer.activation));
    for (const f of layer.folded) removed.add(f);
  }
  o.onProgress?.({ done: layers.length, total: layers.length, layer: '' });
  reports.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0)); // graph order
  return {
    model: encodeModel(compressedModel(proto, index, replaced, removed, added)),
    pruned: encodeModel(prunedModel(proto, prunedWeights)),
    layers: reports,
  };
}
