// Reindexes a chain's hidden units (new unit k = old unit keep[k]) on both sides at once: the producer's W rows, its
// bias, the chain's per-unit constants and the consumers' input columns. A permutation leaves the model's function
// unchanged; a subset (narrowing) too, when each dropped unit's weight row is zero: its constant output is folded
// into the consumers' biases.
import { evalUnit, floatAttr } from './elementwise.js';
import { type GraphIndex, scalarConstant } from './graph.js';
import { GraphEdit } from './graph-edit.js';
import { type HiddenChain, modelChains } from './hidden-chains.js';
import type { LinearLayer } from './linear-layers.js';
import { dimsOf } from './onnx-io.js';
import { AttributeType } from './onnx-schema.js';
import type { ModelProto, NodeProto, TensorProto } from './onnx-types.js';
import { readFloats } from './tensor-data.js';

/** Options of reindexHidden(). */
export interface ReindexOptions {
  /** Largest |w| a dropped unit's weight row may hold, treated as zero (default 0: exactly zero rows only). */
  tolerance?: number;
}

/** data viewed as [outer, units, inner], with units reindexed by keep. */
function selectUnits(data: Float32Array, outer: number, units: number, inner: number, keep: Int32Array): Float32Array {
  const out = new Float32Array(outer * keep.length * inner);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < keep.length; k++) {
      const from = (o * units + (keep[k] as number)) * inner;
      out.set(data.subarray(from, from + inner), (o * keep.length + k) * inner);
    }
  return out;
}

/** [outer, inner] around the unit axis of a layer's B: the out axis for the producer, the in axis for a consumer. */
function unitAxis(layer: LinearLayer, producerSide: boolean): [outer: number, inner: number] {
  const [d0, d1] = [layer.weightIsB ? layer.rows : layer.cols, layer.weightIsB ? layer.cols : layer.rows];
  // B is [d0, d1]; units are B's columns when (producer and B = Wᵀ) or (consumer and B = W), else its rows.
  return producerSide !== layer.weightIsB ? [d0, 1] : [1, d1];
}

/** B (or a per-unit tensor) with its unit axis resized to keep.length. */
function resizedDims(dims: readonly number[], axis: number, k: number): number[] {
  return dims.map((d, i) => (i === axis ? k : d));
}

function checkKeep(keep: Int32Array, rows: number, layer: string): void {
  if (!(keep instanceof Int32Array)) throw new TypeError('keep: expected an Int32Array');
  if (keep.length < 1 || keep.length > rows) throw new RangeError(`keep: expected 1 to ${rows} units of '${layer}', got ${keep.length}`);
  const seen = new Uint8Array(rows);
  for (const u of keep) {
    if (!(u >= 0 && u < rows) || seen[u]) throw new RangeError(`keep: unit ${u} of '${layer}' is out of range or repeated`);
    seen[u] = 1;
  }
}

/**
 * Each chain value on each dropped unit (whose weight row is zero): the producer's raw output is its Gemm bias (or
 * 0), then every chain node evaluated in float64.
 */
function droppedValues(index: GraphIndex, chain: HiddenChain, dropped: number[]): Map<string, Float64Array> {
  const { producer } = chain;
  const values = new Map<string, Float64Array>();
  const c = producer.op === 'Gemm' && producer.bias ? readFloats(producer.bias.tensor) : undefined;
  const scale = producer.bias?.scale ?? 1;
  values.set(chain.start, Float64Array.from(dropped, (u) => (c ? scale * (c[c.length === 1 ? 0 : u] as number) : 0)));
  const operand = (name: string): Float64Array => {
    let v = values.get(name);
    if (!v) {
      const s = scalarConstant(index, name);
      const vec = s === undefined ? readFloats(index.initializers.get(name) as TensorProto) : undefined;
      v = Float64Array.from(dropped, (u) => s ?? (vec?.[u] as number));
      values.set(name, v);
    }
    return v;
  };
  for (const i of chain.nodes) {
    const node = index.nodes[i] as NodeProto;
    const args = (node.input ?? []).map((name) => (name === '' ? undefined : operand(name)));
    values.set(node.output?.[0] ?? '', Float64Array.from(dropped, (_, k) => evalUnit(node, args.map((a) => a?.[k]))));
  }
  return values;
}

/** Adds delta [rows] to a consumer's bias: Gemm C (set when absent), the folded Add's constant, or a new Add. */
function addBias(edit: GraphEdit, consumer: LinearLayer, delta: Float64Array): void {
  const rows = consumer.rows;
  const old = consumer.bias ? readFloats(consumer.bias.tensor) : undefined;
  const oldAt = (r: number) => (old ? (consumer.bias?.scale ?? 1) * (old[old.length === 1 ? 0 : r] as number) : 0);
  const bias = Float64Array.from(delta, (d, r) => oldAt(r) + d);
  if (consumer.op === 'Gemm') {
    const beta = floatAttr(edit.node(consumer.node), 'beta', 1);
    const c = Float32Array.from(bias, (b) => (beta === 0 ? b : b / beta));
    const cName = consumer.bias?.tensor.name;
    const dims = consumer.bias && old?.length === rows ? dimsOf(consumer.bias.tensor) : [rows];
    if (cName) edit.setFloats(cName, dims, c, [consumer.node]);
    else {
      const name = edit.unique(`${consumer.name}.bias`);
      edit.addFloats(name, dims, c);
      edit.patch(consumer.node, (n) => ({ ...n, input: [...(n.input ?? []).slice(0, 2), name] }));
    }
    // beta = 0 ignored C; C now holds the whole bias.
    if (beta === 0)
      edit.patch(consumer.node, (n) => ({ ...n, attribute: [...(n.attribute ?? []).filter((a) => a.name !== 'beta'), { name: 'beta', type: AttributeType.FLOAT, f: 1 }] }));
  } else if (consumer.bias) {
    const name = consumer.bias.tensor.name ?? '';
    const add = consumer.folded.find((i) => edit.node(i).input?.includes(name)) as number;
    edit.setFloats(name, [rows], Float32Array.from(bias), [add]);
  } else {
    // MatMul without bias: MatMul -> y becomes MatMul -> y' -> Add(y', bias) -> y, so every reader of y is unchanged.
    const y = edit.node(consumer.node).output?.[0] ?? '';
    const mid = edit.unique(`${y}.unbiased`);
    const name = edit.unique(`${consumer.name}.bias`);
    edit.addFloats(name, [rows], Float32Array.from(bias));
    edit.patch(consumer.node, (n) => ({ ...n, output: [mid] }));
    edit.insertAfter(consumer.node, { opType: 'Add', name: edit.unique(`${consumer.name}.bias_add`), input: [mid, name], output: [y] });
  }
}

/** Folds each dropped unit's constant output, times the consumer's column for it, into each consumer's bias. */
function foldDropped(edit: GraphEdit, index: GraphIndex, chain: HiddenChain, dropped: number[]): void {
  const values = droppedValues(index, chain, dropped);
  for (const consumer of chain.consumers) {
    const x = values.get(consumer.x) as Float64Array;
    const b = readFloats(index.initializers.get(consumer.weight) as TensorProto);
    const { rows, cols, alpha, weightIsB } = consumer;
    const delta = new Float64Array(rows);
    dropped.forEach((u, k) => {
      const v = (x[k] as number) * alpha;
      if (v !== 0) for (let r = 0; r < rows; r++) delta[r] = (delta[r] as number) + v * (b[weightIsB ? r * cols + u : u * rows + r] as number);
    });
    if (delta.some((d) => d !== 0)) addBias(edit, consumer, delta);
  }
}

/** Throws RangeError when a dropped unit's weight row holds a weight above tolerance. */
function checkDroppedZero(producer: LinearLayer, b: Float32Array, dropped: number[], tolerance: number): void {
  const [outer, inner] = unitAxis(producer, true);
  for (const u of dropped)
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const w = b[(o * producer.rows + u) * inner + i] as number;
        if (!(Math.abs(w) <= tolerance))
          throw new RangeError(`reindexHidden: unit ${u} of '${producer.name}' is dropped but its weight row holds ${w}`);
      }
}

/**
 * The model with a chain's hidden units reindexed (new unit k = old unit keep[k]) in the producer's W rows and bias,
 * the chain's per-unit constants and the consumers' input columns, so its function is unchanged: a permutation
 * makes GS's row grouping and bank balancing free, a subset removes zero rows (narrower dense layers). Never
 * mutates proto.
 */
export function reindexHidden(proto: ModelProto, index: GraphIndex, chain: HiddenChain, keep: Int32Array, opts: ReindexOptions = {}): ModelProto {
  const { producer } = chain;
  const rows = producer.rows;
  checkKeep(keep, rows, producer.name);
  const tolerance = opts.tolerance ?? 0;
  if (!(tolerance >= 0)) throw new RangeError(`opts.tolerance: expected a number >= 0, got ${tolerance}`);
  const edit = new GraphEdit(proto, index);
  const k = keep.length;
  const kept = new Uint8Array(rows);
  for (const u of keep) kept[u] = 1;
  const dropped = [...kept.keys()].filter((u) => !kept[u]);

  const pb = index.initializers.get(producer.weight) as TensorProto;
  const pData = readFloats(pb);
  checkDroppedZero(producer, pData, dropped, tolerance);
  // Fold first: it reads the original tensors through index, and may patch the consumers' nodes.
  if (dropped.length > 0) foldDropped(edit, index, chain, dropped);

  const [outer, inner] = unitAxis(producer, true);
  edit.setFloats(producer.weight, resizedDims(dimsOf(pb), producer.weightIsB ? 0 : 1, k), selectUnits(pData, outer, rows, inner, keep), [producer.node]);
  const c = producer.op === 'Gemm' ? producer.bias?.tensor : undefined;
  const cData = c ? readFloats(c) : undefined;
  if (c && cData?.length === rows && rows > 1) { // a scalar C stays
    const dims = dimsOf(c);
    edit.setFloats(c.name ?? '', resizedDims(dims, dims.length - 1, k), selectUnits(cData, 1, rows, 1, keep), [producer.node]);
  }
  for (const name of chain.vectors) {
    const t = index.initializers.get(name) as TensorProto;
    const dims = dimsOf(t);
    const readers = chain.nodes.filter((i) => index.nodes[i]?.input?.includes(name));
    edit.setFloats(name, resizedDims(dims, dims.length - 1, k), selectUnits(readFloats(t), 1, rows, 1, keep), readers);
  }
  for (const consumer of chain.consumers) {
    const t = index.initializers.get(consumer.weight) as TensorProto;
    const [o, i] = unitAxis(consumer, false);
    edit.setFloats(consumer.weight, resizedDims(dimsOf(t), consumer.weightIsB ? 1 : 0, k), selectUnits(readFloats(t), o, rows, i, keep), [consumer.node]);
  }
  if (k !== rows) for (const v of chain.values) edit.resizeValue(v, rows, k);
  return edit.build(proto);
}

/**
 * Reindexes the chain of each producer weight in `weights`, in that order, finding the chains afresh after each
 * rewrite (so a later chain sees earlier ones' edits); keepFor returns undefined to leave a chain as it is.
 */
export function reindexChains(proto: ModelProto, weights: readonly string[],
  keepFor: (chain: HiddenChain, index: GraphIndex) => Int32Array | undefined, opts?: ReindexOptions): ModelProto {
  let model = proto;
  for (const weight of weights) {
    const { index, chains } = modelChains(model);
    const chain = chains.find((c) => c.producer.weight === weight);
    const keep = chain && keepFor(chain, index);
    if (chain && keep) model = reindexHidden(model, index, chain, keep, opts);
  }
  return model;
}
