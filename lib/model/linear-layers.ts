// Finds the linear layers gsparse can run: MatMul with a constant 2-D float B, Gemm with a constant B
// (transA = 0, any transB / alpha, beta with C a vector or scalar), and folds into each the bias Add and the
// Relu / Gelu (the op, or PyTorch's erf form) that follow when nothing else reads the values in between.
import type { Activation } from '../native.js';
import { dimsOf, int64 } from './onnx-io.js';
import { DataType } from './onnx-schema.js';
import type { GraphIndex } from './graph.js';
import { scalarConstant } from './graph.js';
import type { NodeProto, TensorProto } from './onnx-types.js';

/** A layer that becomes one SparseLinear node: Y = act(X · Wᵀ + bias) with W = alpha · (B or Bᵀ). */
export interface LinearLayer {
  /** Index of the MatMul / Gemm node. */
  node: number;
  name: string;
  op: 'MatMul' | 'Gemm';
  x: string;
  /** The initializer B. */
  weight: string;
  /** True when W = B ([out, in], Gemm transB = 1); false when W = Bᵀ (B is [in, out]). */
  weightIsB: boolean;
  alpha: number;
  rows: number;
  cols: number;
  /** Gemm's C (scaled by beta) or the constant of a folded Add, broadcast to [rows] when built. */
  bias?: { tensor: TensorProto; scale: number };
  activation: Activation;
  /** Nodes folded into the layer (bias Add, activation nodes), removed from the graph with it. */
  folded: number[];
  /** The value the layer's last folded node writes. */
  output: string;
}

/** A MatMul / Gemm left to onnxruntime, and why. */
export interface SkippedLayer {
  node: number;
  name: string;
  op: string;
  reason: string;
}

function attr(node: NodeProto, name: string) {
  return node.attribute?.find((a) => a.name === name);
}

function intAttr(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a?.i === undefined ? dflt : int64(a.i, `${node.opType} ${name}`, true);
}

function floatAttr(node: NodeProto, name: string, dflt: number): number {
  return attr(node, name)?.f ?? dflt;
}

function nodeName(index: GraphIndex, i: number): string {
  const n = index.nodes[i];
  return n?.name || `${n?.opType ?? 'node'}_${i}`;
}

/** The only node reading value v (and v is no graph output), else undefined. */
function soleConsumer(index: GraphIndex, v: string): number | undefined {
  const c = index.consumers.get(v) ?? [];
  return c.length === 1 && !index.outputs.includes(v) ? c[0] : undefined;
}

/** A constant float B usable as weights, or the reason it is not. */
function constantWeight(index: GraphIndex, name: string | undefined): TensorProto | string {
  const t = name === undefined ? undefined : index.initializers.get(name);
  if (!t) return 'B is not a constant initializer';
  if (t.dataType !== DataType.FLOAT) return `B is not float32 (data type ${t.dataType})`;
  if (dimsOf(t).length !== 2) return `B is ${dimsOf(t).length}-D, not 2-D`;
  return t;
}

/** The other input of a binary node, when one of its two inputs is v. */
function otherInput(node: NodeProto | undefined, v: string): string | undefined {
  const [a, b] = node?.input ?? [];
  if (a === v) return b;
  if (b === v) return a;
  return undefined;
}

function near(value: number | undefined, target: number): boolean {
  return value !== undefined && Math.abs(value - target) <= 1e-5 * Math.abs(target);
}

function isOp(node: NodeProto | undefined, op: string): boolean {
  return node?.opType === op && (node.domain ?? '') === '';
}

/** PyTorch's exact GELU on v: Div(v, √2) | Mul(v, 1/√2) -> Erf -> Add 1 -> Mul v -> Mul 0.5 (either Mul first). */
function erfGelu(index: GraphIndex, v: string): { folded: number[]; output: string } | undefined {
  const readers = index.consumers.get(v) ?? [];
  if (readers.length !== 2 || index.outputs.includes(v)) return undefined;
  const scaleIdx = readers.find((i) => {
    const n = index.nodes[i];
    const c = otherInput(n, v);
    if (isOp(n, 'Div')) return n?.input?.[0] === v && near(scalarConstant(index, c ?? ''), Math.SQRT2);
    return isOp(n, 'Mul') && c !== undefined && near(scalarConstant(index, c), Math.SQRT1_2);
  });
  if (scaleIdx === undefined) return undefined;
  const mulIdx = readers.find((i) => i !== scaleIdx) as number;
  const scaled = index.nodes[scaleIdx]?.output?.[0] ?? '';
  const erfIdx = soleConsumer(index, scaled);
  if (erfIdx === undefined || !isOp(index.nodes[erfIdx], 'Erf')) return undefined;
  const erfOut = index.nodes[erfIdx]?.output?.[0] ?? '';
  const addIdx = soleConsumer(index, erfOut);
  const add = addIdx === undefined ? undefined : index.nodes[addIdx];
  if (addIdx === undefined || !isOp(add, 'Add') || !near(scalarConstant(index, otherInput(add, erfOut) ?? ''), 1)) return undefined;
  const onePlus = add?.output?.[0] ?? '';
  const mul = index.nodes[mulIdx];
  if (!isOp(mul, 'Mul')) return undefined;
  const mulOther = otherInput(mul, v);
  const mulOut = mul?.output?.[0] ?? '';
  const lastIdx = soleConsumer(index, mulOut);
  const last = lastIdx === undefined ? undefined : index.nodes[lastIdx];
  if (lastIdx === undefined || !isOp(last, 'Mul')) return undefined;
  const lastOther = otherInput(last, mulOut);
  const halfFirst = near(scalarConstant(index, mulOther ?? ''), 0.5) && lastOther === onePlus;
  const halfLast = mulOther === onePlus && near(scalarConstant(index, lastOther ?? ''), 0.5);
  if (!halfFirst && !halfLast) return undefined;
  if (halfFirst && soleConsumer(index, onePlus) !== lastIdx) return undefined;
  if (halfLast && soleConsumer(index, onePlus) !== mulIdx) return undefined;
  return { folded: [scaleIdx, erfIdx, addIdx, mulIdx, lastIdx], output: last?.output?.[0] ?? '' };
}

/** Folds a following bias Add (constant [rows]) and activation into the layer when nothing else reads between. */
function foldFollowers(index: GraphIndex, layer: LinearLayer): void {
  if (!layer.bias) {
    const addIdx = soleConsumer(index, layer.output);
    const add = addIdx === undefined ? undefined : index.nodes[addIdx];
    const c = isOp(add, 'Add') ? index.initializers.get(otherInput(add, layer.output) ?? '') : undefined;
    if (addIdx !== undefined && c?.dataType === DataType.FLOAT && dimsOf(c).length === 1 && dimsOf(c)[0] === layer.rows) {
      layer.bias = { tensor: c, scale: 1 };
      layer.folded.push(addIdx);
      layer.output = add?.output?.[0] ?? '';
    }
  }
  const actIdx = soleConsumer(index, layer.output);
  const act = actIdx === undefined ? undefined : index.nodes[actIdx];
  const approximate = act && attr(act, 'approximate')?.s;
  if (actIdx !== undefined && isOp(act, 'Relu')) {
    layer.activation = 'relu';
  } else if (actIdx !== undefined && isOp(act, 'Gelu') && (!approximate || new TextDecoder().decode(approximate) === 'none')) {
    layer.activation = 'gelu';
  } else {
    const gelu = erfGelu(index, layer.output);
    if (gelu) {
      layer.activation = 'gelu';
      layer.folded.push(...gelu.folded);
      layer.output = gelu.output;
    }
    return;
  }
  layer.folded.push(actIdx);
  layer.output = act?.output?.[0] ?? '';
}

/** Gemm's C as a bias vector of length rows, or the reason it cannot be one. */
function gemmBias(index: GraphIndex, node: NodeProto, rows: number): { tensor: TensorProto; scale: number } | string | undefined {
  const name = node.input?.[2];
  if (!name) return undefined;
  const beta = floatAttr(node, 'beta', 1);
  const c = index.initializers.get(name);
  if (!c) return 'C is not a constant initializer';
  if (c.dataType !== DataType.FLOAT) return 'C is not float32';
  const dims = dimsOf(c);
  const count = dims.reduce((a, b) => a * b, 1);
  const vector = (dims.length === 1 && (dims[0] === rows || dims[0] === 1)) || (dims.length === 2 && dims[0] === 1 && dims[1] === rows);
  if (!(dims.length === 0 || vector) || (count !== 1 && count !== rows)) return `C of shape [${dims.join(', ')}] is not a bias vector`;
  return { tensor: c, scale: beta };
}

/** One MatMul / Gemm node as a layer, or the reason it stays with onnxruntime. */
function asLayer(index: GraphIndex, i: number): LinearLayer | string {
  const node = index.nodes[i] as NodeProto;
  const [x, bName] = node.input ?? [];
  const b = constantWeight(index, bName);
  if (typeof b === 'string') return b;
  if (index.outputs.includes(bName as string)) return 'B is also a graph output';
  const [d0, d1] = dimsOf(b) as [number, number];
  if (d0 === 0 || d1 === 0) return 'B is empty';
  const base = { node: i, name: nodeName(index, i), x: x as string, weight: bName as string, activation: 'none' as Activation };
  const output = node.output?.[0] ?? '';
  if (node.opType === 'MatMul')
    return { ...base, op: 'MatMul', weightIsB: false, alpha: 1, rows: d1, cols: d0, folded: [], output };
  if (intAttr(node, 'transA', 0) !== 0) return 'transA = 1 (X transposed) is not supported';
  const weightIsB = intAttr(node, 'transB', 0) !== 0;
  const alpha = floatAttr(node, 'alpha', 1);
  if (alpha === 0 || !Number.isFinite(alpha)) return `alpha = ${alpha}`;
  const rows = weightIsB ? d0 : d1;
  const bias = gemmBias(index, node, rows);
  if (typeof bias === 'string') return bias;
  return { ...base, op: 'Gemm', weightIsB, alpha, rows, cols: weightIsB ? d1 : d0, folded: [], output, ...(bias ? { bias } : {}) };
}

/** Every MatMul / Gemm of the graph: the layers gsparse takes (with what they fold) and those it leaves. */
export function findLinearLayers(index: GraphIndex): { layers: LinearLayer[]; skipped: SkippedLayer[] } {
  const layers: LinearLayer[] = [];
  const skipped: SkippedLayer[] = [];
  index.nodes.forEach((node, i) => {
    if (!isOp(node, 'MatMul') && !isOp(node, 'Gemm')) return;
    const layer = asLayer(index, i);
    if (typeof layer === 'string') skipped.push({ node: i, name: nodeName(index, i), op: node.opType as string, reason: layer });
    else layers.push(layer);
  });
  // Followers are Add / Relu / Gelu / Div / Erf / Mul nodes, never another layer's MatMul or Gemm.
  for (const layer of layers) foldFollowers(index, layer);
  return { layers, skipped };
}
