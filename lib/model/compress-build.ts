// The outputs of compress() once each weight's packing is decided: `model` (SparseLinear nodes with the packed
// weights), `pruned` (the same pruning as standard ONNX) and `narrowed` (channel layers cut out), plus the per-layer
// reports in graph order. Separate from the decisions (pattern choice, budgets), which only say how to pack a weight.
import { patternToString } from '../pattern.js';
import type { LayerReport } from './compress-types.js';
import type { GraphIndex } from './graph.js';
import { nodeInputs } from './graph.js';
import { biasVector, prunedB, weightMatrix } from './layer-weights.js';
import type { LinearLayer } from './linear-layers.js';
import { narrowModel } from './narrow.js';
import { dimsOf, encodeModel } from './onnx-io.js';
import type { ModelProto, NodeProto, TensorProto } from './onnx-types.js';
import type { PackedLayer } from './pack-layer.js';
import { GSPARSE_DOMAIN, sparseLinearNode } from './sparse-linear.js';
import { bytesTensor, floatTensor, readFloats } from './tensor-data.js';
import type { DType } from '../native.js';

/** The model after the transforms that precede packing (permutations), and the layers compress() takes. */
export interface PreparedModel {
  proto: ModelProto;
  index: GraphIndex;
  layers: LinearLayer[];
  /** Reports of the MatMul / Gemm nodes left to onnxruntime. */
  skipped: LayerReport[];
  /** Node index of every MatMul / Gemm by name (graph order of the reports). */
  order: Map<string, number>;
  /** Permutation notes per layer name. */
  notes: Map<string, string>;
}

/** compress()'s three models and the reports. */
export interface BuiltModels {
  model: Uint8Array;
  pruned: Uint8Array;
  narrowed?: Uint8Array;
  layers: LayerReport[];
}

/** A unique value name for something gsparse adds to the graph. */
function uniqueName(taken: Set<string>, base: string): string {
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
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
 * Packs each distinct weight once with `pack(layer, w)` (which decides how) and writes the outputs; `onLayer` is
 * called before each layer (progress).
 */
export function buildModels(p: PreparedModel, dtype: DType, pack: (layer: LinearLayer, w: Float32Array) => PackedLayer,
  onLayer?: (done: number, total: number, layer: string) => void): BuiltModels {
  const { proto, index, layers, order, notes } = p;
  const reports = [...p.skipped];
  const names = new Set<string>([...index.producer.keys(), ...index.initializers.keys(), ...index.consumers.keys()]);
  const packedByWeight = new Map<string, { name: string; report: LayerReport }>();
  const prunedWeights = new Map<string, Float32Array>();
  const added: TensorProto[] = [];
  const replaced = new Map<number, NodeProto>();
  const removed = new Set<number>();
  for (const [done, layer] of layers.entries()) {
    onLayer?.(done, layers.length, layer.name);
    const base = {
      name: layer.name, op: layer.op, weight: layer.weight, rows: layer.rows, cols: layer.cols, activation: layer.activation,
      bias: layer.bias !== undefined, ...(notes.has(layer.name) ? { permutation: notes.get(layer.name) } : {}),
    };
    // A B shared by several layers (one transB and alpha, see sharedWeights) is packed once.
    let packed = packedByWeight.get(layer.weight);
    if (packed === undefined) {
      const b = readFloats(index.initializers.get(layer.weight) as TensorProto);
      const w = weightMatrix(layer, b);
      const pick = pack(layer, w);
      const m = pick.matrix;
      try {
        prunedWeights.set(layer.weight, prunedB(layer, b, m.toDense(), dtype));
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
  onLayer?.(layers.length, layers.length, '');
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
