// Hidden-unit chains: a linear layer's output units that reach the next linear layers' input columns only through
// elementwise ops. Reordering or removing those units on both sides at once leaves the model's function unchanged
// (reindex-hidden.ts); anything else between the layers (residual Add, LayerNormalization, Reshape...) blocks.
import { isElementwise } from './elementwise.js';
import { type GraphIndex, indexGraph, scalarConstant, topologicalOrder } from './graph.js';
import { findLinearLayers, type LinearLayer } from './linear-layers.js';
import { dimsOf } from './onnx-io.js';
import { DataType } from './onnx-schema.js';
import type { ModelProto } from './onnx-types.js';

/** One producer's units and everything indexed by them, up to the consumers' input columns. */
export interface HiddenChain {
  producer: LinearLayer;
  /** Layers whose X (input columns) are the producer's units. */
  consumers: LinearLayer[];
  /** The producer's MatMul / Gemm output (its units before the folded bias and activation). */
  start: string;
  /** Elementwise nodes from start to the consumers' X, the producer's folded ones included, in topological order. */
  nodes: number[];
  /** start and every value those nodes write (last dim = the producer's rows). */
  values: string[];
  /** Per-unit constants the nodes read (float initializers [..., rows], other dims 1): reindexed with the units. */
  vectors: string[];
}

/** A side of a layer that cannot be reindexed within the model, and why. */
export interface BlockedSide {
  layer: string;
  /** 'rows': the layer's output units (producer side); 'cols': its input columns (consumer side). */
  side: 'rows' | 'cols';
  reason: string;
}

function label(index: GraphIndex, i: number): string {
  const n = index.nodes[i];
  return `${n?.opType ?? 'node'} '${n?.name || `${n?.opType ?? 'node'}_${i}`}'`;
}

/** How a chain node's input is indexed: a chain value, a scalar, a per-unit vector, or the reason it is neither. */
function operandKind(index: GraphIndex, name: string, rows: number, values: Set<string>): 'value' | 'scalar' | 'vector' | string {
  if (values.has(name)) return 'value';
  if (scalarConstant(index, name) !== undefined) return 'scalar';
  const t = index.initializers.get(name);
  if (t) {
    const dims = dimsOf(t);
    if (t.dataType === DataType.FLOAT && dims.at(-1) === rows && dims.slice(0, -1).every((d) => d === 1)) return 'vector';
    return `constant '${name}' of shape [${dims.join(', ')}] is not a scalar or a [${rows}] vector`;
  }
  const p = index.producer.get(name);
  if (p !== undefined && index.nodes[p]?.opType === 'Constant') return `constant '${name}' is not a scalar initializer`;
  return `'${name}', which is not a constant (a residual or gate)`;
}

/** The first node other than `own` reading a layer's B, as a reason. */
function sharedWeight(index: GraphIndex, layer: LinearLayer): string | undefined {
  const other = (index.consumers.get(layer.weight) ?? []).find((i) => i !== layer.node);
  return other === undefined ? undefined : `B is also read by ${label(index, other)}`;
}

/** The chain of one producer, or the reason its rows cannot be reindexed. */
function chainOf(index: GraphIndex, producer: LinearLayer, layerAt: Map<number, LinearLayer>, topo: Map<number, number>): HiddenChain | string {
  const shared = sharedWeight(index, producer);
  if (shared) return shared;
  const start = index.nodes[producer.node]?.output?.[0] ?? '';
  const values = new Set([start]);
  const nodes = new Set<number>();
  const consumers: LinearLayer[] = [];
  const queue = [start];
  for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
    if (index.outputs.includes(v)) return `output '${v}' is a graph output`;
    for (const c of new Set(index.consumers.get(v) ?? [])) {
      const node = index.nodes[c];
      const layer = layerAt.get(c);
      if (nodes.has(c)) continue;
      if (layer) {
        if (layer.x !== v || node?.input?.slice(1).includes(v)) return `output feeds ${label(index, c)} as an input other than X`;
        if (layer.cols !== producer.rows) return `output feeds '${layer.name}', whose X has ${layer.cols} columns, not ${producer.rows}`;
        const s = sharedWeight(index, layer);
        if (s) return `consumer '${layer.name}': ${s}`;
        consumers.push(layer);
      } else if (node && isElementwise(node)) {
        nodes.add(c);
        const out = node.output?.[0] ?? '';
        values.add(out);
        queue.push(out);
      } else if (node?.opType === 'MatMul' || node?.opType === 'Gemm') {
        return `output feeds ${label(index, c)}, not a linear layer with constant weights`;
      } else {
        return `output feeds ${label(index, c)}`;
      }
    }
  }
  if (consumers.length === 0) return 'output reaches no linear layer';
  const vectors = new Set<string>();
  for (const c of nodes) {
    for (const input of index.nodes[c]?.input ?? []) {
      if (input === '') continue;
      const kind = operandKind(index, input, producer.rows, values);
      if (kind === 'vector') vectors.add(input);
      else if (kind !== 'value' && kind !== 'scalar') return `output feeds ${label(index, c)} with ${kind}`;
    }
  }
  const ordered = [...nodes].sort((a, b) => (topo.get(a) ?? 0) - (topo.get(b) ?? 0));
  return {
    producer, consumers, start, nodes: ordered,
    values: [start, ...ordered.map((c) => index.nodes[c]?.output?.[0] ?? '')],
    vectors: [...vectors],
  };
}

/** Why a layer's input columns are fed by no chain: what its X comes from, walking back through elementwise ops. */
function colsReason(index: GraphIndex, layer: LinearLayer, layerAt: Map<number, LinearLayer>, rowsBlocked: Map<number, string>): string {
  const reasons: string[] = [];
  const seen = new Set<string>();
  const stack = [layer.x];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (seen.has(v)) continue;
    seen.add(v);
    const p = index.producer.get(v);
    const node = p === undefined ? undefined : index.nodes[p];
    const source = p === undefined ? undefined : layerAt.get(p);
    if (source && p !== undefined) {
      const r = rowsBlocked.get(p);
      if (r) return `input comes from '${source.name}': ${r}`;
      reasons.push(`input comes from '${source.name}'`);
    } else if (p === undefined) {
      reasons.push(index.initializers.has(v) ? `input '${v}' is a constant` : `input '${v}' is a graph input`);
    } else if (!node || !isElementwise(node)) {
      reasons.push(`input comes from ${label(index, p)}`);
    } else {
      for (const input of node.input ?? []) {
        const from = index.producer.get(input);
        const constant = index.initializers.has(input) || (from !== undefined && index.nodes[from]?.opType === 'Constant');
        if (input !== '' && !constant) stack.push(input);
      }
    }
  }
  return reasons[0] ?? 'input is a constant';
}

/**
 * The hidden-unit chains among `layers` (a producer's output units that reach consumer layers' input columns only
 * through elementwise ops), and the layer sides that cannot be reindexed, with why: what permutations and narrowing
 * may rewrite.
 */
export function findHiddenChains(index: GraphIndex, layers: LinearLayer[]): { chains: HiddenChain[]; blocked: BlockedSide[] } {
  const topo = new Map(topologicalOrder(index).map((n, k) => [n, k]));
  const layerAt = new Map(layers.map((l) => [l.node, l]));
  const chains: HiddenChain[] = [];
  const blocked: BlockedSide[] = [];
  const rowsBlocked = new Map<number, string>();
  for (const producer of layers) {
    const chain = chainOf(index, producer, layerAt, topo);
    if (typeof chain !== 'string') chains.push(chain);
    else {
      rowsBlocked.set(producer.node, chain);
      blocked.push({ layer: producer.name, side: 'rows', reason: chain });
    }
  }
  const fed = new Set(chains.flatMap((c) => c.consumers.map((l) => l.node)));
  for (const layer of layers)
    if (!fed.has(layer.node)) blocked.push({ layer: layer.name, side: 'cols', reason: colsReason(index, layer, layerAt, rowsBlocked) });
  return { chains, blocked };
}

/** A model's def-use index, linear layers and hidden chains, found afresh (after each rewrite). */
export function modelChains(proto: ModelProto): { index: GraphIndex; layers: LinearLayer[]; chains: HiddenChain[]; blocked: BlockedSide[] } {
  const index = indexGraph(proto.graph ?? {});
  const { layers } = findLinearLayers(index);
  return { index, layers, ...findHiddenChains(index, layers) };
}
