// Builds small ONNX models for the model tests with onnx-proto (an independent protobuf library, not
// gsparse's own reader/writer), and runs them with onnxruntime-node as the reference.
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

export type Attr = number | string | number[] | { ints: number[] } | { floats: number[] } | { tensor: OnnxTypes.ITensorProto };

/** A FLOAT initializer in raw_data. */
export function floatInit(name: string, dims: number[], data: Float32Array): OnnxTypes.ITensorProto {
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

/** An INT64 initializer. */
export function int64Init(name: string, dims: number[], data: number[]): OnnxTypes.ITensorProto {
  return { name, dataType: INT64, dims, int64Data: data };
}

/** A graph input / output: name, element type, dims (numbers, or strings for symbolic dims). */
export function value(name: string, dims: (number | string)[] | undefined, elemType: number = FLOAT): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
      },
    },
  };
}

function attribute(name: string, v: Attr): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return Number.isInteger(v) && !name.match(/alpha|beta|epsilon/) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.TENSOR, t: v.tensor };
}

/** A node; attributes named alpha/beta/epsilon are floats, other numbers ints when integral. */
export function node(opType: string, input: string[], output: string[], attrs: Record<string, Attr> = {}, name?: string,
  domain?: string): OnnxTypes.INodeProto {
  return {
    opType, input, output, name: name ?? `${opType}_${output[0]}`,
    ...(domain ? { domain } : {}),
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

export interface GraphSpec {
  nodes: OnnxTypes.INodeProto[];
  inputs: OnnxTypes.IValueInfoProto[];
  outputs: OnnxTypes.IValueInfoProto[];
  initializers?: OnnxTypes.ITensorProto[];
  opset?: number;
  irVersion?: number;
}

/** ONNX bytes of a one-graph model. */
export function buildModel(g: GraphSpec): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: g.irVersion ?? 8,
    producerName: 'gsparse-test',
    opsetImport: [{ domain: '', version: g.opset ?? 17 }],
    graph: { name: 'test', node: g.nodes, input: g.inputs, output: g.outputs, initializer: g.initializers ?? [] },
  });
  return onnx.ModelProto.encode(m).finish();
}

/** Decodes ONNX bytes with onnx-proto (to inspect what gsparse wrote). */
export function decode(bytes: Uint8Array): OnnxTypes.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** The floats of an initializer decoded by onnx-proto. */
export function initFloats(t: OnnxTypes.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length > 0) return new Float32Array(new Uint8Array(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
}

/** Runs bytes with onnxruntime-node at its defaults and returns its outputs. */
export async function runOrt(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

/** max |a - b| / max |b| (0 when both are all zeros). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff === 0 ? 0 : diff / scale;
}

export { ort };
