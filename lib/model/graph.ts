// Def-use analysis of an ONNX graph: who produces and who reads each value (subgraph references to outer
// values included), the nodes in topological order, and scalar constants.
import { GsparseError } from '../errors.js';
import { dimsOf } from './onnx-io.js';
import { DataType } from './onnx-schema.js';
import type { GraphProto, NodeProto, TensorProto } from './onnx-types.js';
import { readFloats } from './tensor-data.js';

/** Values a subgraph reads from its enclosing scopes (used but not defined inside it). */
function outerReads(g: GraphProto): Set<string> {
  const defined = new Set<string>();
  for (const v of g.input ?? []) if (v.name) defined.add(v.name);
  for (const t of g.initializer ?? []) if (t.name) defined.add(t.name);
  for (const s of g.sparseInitializer ?? []) if (s.values?.name) defined.add(s.values.name);
  for (const n of g.node ?? []) for (const o of n.output ?? []) if (o) defined.add(o);
  const reads = new Set<string>();
  for (const n of g.node ?? []) for (const v of nodeInputs(n)) if (!defined.has(v)) reads.add(v);
  return reads;
}

/** Every value a node reads: its non-empty inputs, then outer values its subgraphs (If, Loop, Scan) use. */
export function nodeInputs(node: NodeProto): string[] {
  const inputs = (node.input ?? []).filter((v) => v !== '');
  for (const a of node.attribute ?? []) {
    for (const g of [a.g, ...(a.graphs ?? [])]) {
      if (!g) continue;
      for (const v of outerReads(g)) if (!inputs.includes(v)) inputs.push(v);
    }
  }
  return inputs;
}

/** Def-use index of a graph. */
export interface GraphIndex {
  nodes: readonly NodeProto[];
  /** Node index that produces each value. */
  producer: Map<string, number>;
  /** Node indexes that read each value (explicitly or from a subgraph). */
  consumers: Map<string, number[]>;
  initializers: Map<string, TensorProto>;
  /** Names of graph inputs that are not initializers (what feeds must provide). */
  inputs: string[];
  /** Names of graph outputs. */
  outputs: string[];
}

/** Builds the def-use index; E_CORRUPT when a value is produced twice. */
export function indexGraph(g: GraphProto): GraphIndex {
  const nodes = g.node ?? [];
  const initializers = new Map<string, TensorProto>();
  for (const t of g.initializer ?? []) if (t.name) initializers.set(t.name, t);
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) {
      if (o === '') continue;
      if (producer.has(o) || initializers.has(o))
        throw new GsparseError(`ONNX model: value '${o}' is produced twice (node '${n.name ?? ''}')`, 'E_CORRUPT');
      producer.set(o, i);
    }
    for (const v of nodeInputs(n)) {
      const list = consumers.get(v);
      if (list) list.push(i);
      else consumers.set(v, [i]);
    }
  });
  const inputs = (g.input ?? []).map((v) => v.name ?? '').filter((name) => name !== '' && !initializers.has(name));
  const outputs = (g.output ?? []).map((v) => v.name ?? '');
  return { nodes, producer, consumers, initializers, inputs, outputs };
}

/** Node indexes in an order where every value is produced before it is read; E_CORRUPT on a cycle or an undefined value. */
export function topologicalOrder(index: GraphIndex): number[] {
  const available = new Set<string>([...index.inputs, ...index.initializers.keys()]);
  const pending = index.nodes.map((n) => nodeInputs(n).filter((v) => index.producer.has(v)).length);
  const ready: number[] = [];
  pending.forEach((p, i) => {
    if (p === 0) ready.push(i);
  });
  const order: number[] = [];
  while (ready.length > 0) {
    const i = ready.shift() as number;
    order.push(i);
    for (const o of index.nodes[i]?.output ?? []) {
      if (o === '') continue;
      available.add(o);
      for (const c of index.consumers.get(o) ?? []) {
        pending[c] = (pending[c] as number) - 1;
        if (pending[c] === 0) ready.push(c);
      }
    }
  }
  if (order.length !== index.nodes.length)
    throw new GsparseError('ONNX model: the graph has a cycle', 'E_CORRUPT');
  for (const i of order)
    for (const v of index.nodes[i]?.input ?? [])
      if (v !== '' && !available.has(v))
        throw new GsparseError(`ONNX model: node '${index.nodes[i]?.name ?? ''}' reads '${v}', which nothing defines`, 'E_CORRUPT');
  return order;
}

/** The value of a one-element float constant (initializer or Constant node), else undefined. */
export function scalarConstant(index: GraphIndex, name: string): number | undefined {
  let t = index.initializers.get(name);
  if (!t) {
    const p = index.producer.get(name);
    const node = p === undefined ? undefined : index.nodes[p];
    if (node?.opType !== 'Constant' || (node.domain ?? '') !== '') return undefined;
    const attr = node.attribute?.find((a) => a.name === 'value');
    if (attr?.t) t = attr.t;
    else if (node.attribute?.find((a) => a.name === 'value_float')?.f !== undefined)
      return node.attribute.find((a) => a.name === 'value_float')?.f;
    if (!t) return undefined;
  }
  if (t.dataType !== DataType.FLOAT || dimsOf(t).reduce((a, b) => a * b, 1) !== 1) return undefined;
  return readFloats(t)[0];
}
