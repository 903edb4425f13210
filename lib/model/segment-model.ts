// The standalone ONNX model of one onnxruntime segment: its nodes, the initializers they read, and typed
// inputs / outputs, so onnxruntime can load it as a session of its own.
import { type GraphIndex, nodeInputs } from './graph.js';
import { encodeModel } from './onnx-io.js';
import type { ModelProto, NodeProto, TypeProto, ValueInfoProto } from './onnx-types.js';
import type { OrtStep } from './segments.js';
import { GSPARSE_DOMAIN } from './sparse-linear.js';

/** The types the original graph declares for its values (inputs, outputs, value_info). */
export function declaredTypes(model: ModelProto): Map<string, TypeProto> {
  const types = new Map<string, TypeProto>();
  const g = model.graph;
  for (const v of [...(g?.valueInfo ?? []), ...(g?.output ?? []), ...(g?.input ?? [])])
    if (v.name && v.type?.tensorType?.elemType) types.set(v.name, v.type);
  return types;
}

/**
 * ONNX bytes of the segment. typeOf gives each input's type (every input needs one); outputs get theirs when
 * known and are otherwise left to onnxruntime's type inference.
 */
export function segmentModel(model: ModelProto, index: GraphIndex, step: OrtStep, typeOf: (v: string) => TypeProto | undefined): Uint8Array {
  const nodes = step.nodes.map((i) => index.nodes[i] as NodeProto);
  const reads = new Set(nodes.flatMap((n) => nodeInputs(n)));
  const info = (name: string): ValueInfoProto => {
    const type = typeOf(name);
    return type ? { name, type } : { name };
  };
  const g = model.graph ?? {};
  const segment: ModelProto = {
    ...model,
    opsetImport: (model.opsetImport ?? []).filter((o) => o.domain !== GSPARSE_DOMAIN),
    graph: {
      name: `${g.name ?? 'graph'}_segment`,
      node: nodes,
      initializer: (g.initializer ?? []).filter((t) => reads.has(t.name ?? '')),
      sparseInitializer: (g.sparseInitializer ?? []).filter((s) => reads.has(s.values?.name ?? '')),
      input: step.inputs.map(info),
      output: step.outputs.map(info),
      valueInfo: (g.valueInfo ?? []).filter((v) => v.name !== undefined && !step.inputs.includes(v.name) && !step.outputs.includes(v.name)),
    },
  };
  return encodeModel(segment);
}
