// Cuts a graph into steps: maximal onnxruntime segments and, between them, the gsparse nodes that can run
// together. Each node goes to the earliest step its inputs allow (so the number of onnxruntime segments is the
// longest chain of gsparse nodes plus one), and each segment's inputs and outputs come from def-use: values
// it reads that earlier steps or the feeds produce, values it writes that later steps or the caller read
// (a residual connection that skips over gsparse nodes is just such an output).
import { type GraphIndex, nodeInputs, topologicalOrder } from './graph.js';
import type { NodeProto } from './onnx-types.js';

/** Nodes onnxruntime runs as one session. */
export interface OrtStep {
  kind: 'ort';
  /** Node indexes, in topological order. */
  nodes: number[];
  /** Values it reads from the feeds or earlier steps (not initializers). */
  inputs: string[];
  /** Values it writes that later steps or the caller read. */
  outputs: string[];
}

/** gsparse nodes that depend on none of each other, run concurrently. */
export interface GsparseStep {
  kind: 'gsparse';
  nodes: number[];
}

export type Step = OrtStep | GsparseStep;

/** Nodes that contribute to a graph output (the rest never runs). */
function liveNodes(index: GraphIndex): Set<number> {
  const live = new Set<number>();
  const stack = [...index.outputs];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const v = stack.pop() as string;
    if (seen.has(v)) continue;
    seen.add(v);
    const p = index.producer.get(v);
    if (p === undefined || live.has(p)) continue;
    live.add(p);
    stack.push(...nodeInputs(index.nodes[p] as NodeProto));
  }
  return live;
}

/** The steps that run the graph, in order; isGsparse tells which nodes gsparse runs. */
export function planSteps(index: GraphIndex, isGsparse: (node: NodeProto) => boolean): Step[] {
  const live = liveNodes(index);
  const order = topologicalOrder(index).filter((i) => live.has(i));
  // stage[i]: the step pair (onnxruntime segment k, then gsparse step k) node i runs in.
  const stage = new Map<number, number>();
  for (const i of order) {
    let s = 0;
    for (const v of nodeInputs(index.nodes[i] as NodeProto)) {
      const p = index.producer.get(v);
      if (p === undefined) continue;
      const ps = stage.get(p) as number;
      s = Math.max(s, isGsparse(index.nodes[p] as NodeProto) ? ps + 1 : ps);
    }
    stage.set(i, s);
  }
  const last = Math.max(-1, ...stage.values());
  const raw: Step[] = [];
  for (let k = 0; k <= last; k++) {
    const at = order.filter((i) => stage.get(i) === k);
    const ort = at.filter((i) => !isGsparse(index.nodes[i] as NodeProto));
    const gs = at.filter((i) => isGsparse(index.nodes[i] as NodeProto));
    if (ort.length > 0) raw.push({ kind: 'ort', nodes: ort, inputs: [], outputs: [] });
    if (gs.length > 0) raw.push({ kind: 'gsparse', nodes: gs });
  }
  // Def-use across steps: the step each node runs in, then each segment's inputs and outputs.
  const stepOf = new Map<number, number>();
  raw.forEach((step, s) => {
    for (const i of step.nodes) stepOf.set(i, s);
  });
  const graphOutputs = new Set(index.outputs);
  raw.forEach((step, s) => {
    if (step.kind !== 'ort') return;
    const inputs = new Set<string>();
    const outputs = new Set<string>();
    for (const i of step.nodes) {
      for (const v of nodeInputs(index.nodes[i] as NodeProto)) {
        const p = index.producer.get(v);
        if (index.initializers.has(v)) continue;
        if (p === undefined || stepOf.get(p) !== s) inputs.add(v);
      }
      for (const o of index.nodes[i]?.output ?? []) {
        if (o === '') continue;
        const readLater = (index.consumers.get(o) ?? []).some((c) => stepOf.has(c) && stepOf.get(c) !== s);
        if (readLater || graphOutputs.has(o)) outputs.add(o);
      }
    }
    step.inputs = [...inputs];
    step.outputs = [...outputs];
  });
  return raw;
}
