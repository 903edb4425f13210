// Whole models built in memory with onnx-proto, laid out the way PyTorch's exporter writes them, for the model
// bench and the model tests: an MLP (MatMul + bias Add + Relu) and a transformer encoder (fused QKV MatMul +
// Split into heads, softmax attention, Gemm out-projection with transB on the flattened tokens, residual Adds,
// LayerNormalization, erf GELU). Weights are seeded Gaussians with std 1/sqrt(in).
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

import { gaussian, seedOf } from './data.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const A = onnx.AttributeProto.AttributeType;

function floats(name: string, dims: number[], data: Float32Array): OnnxTypes.ITensorProto {
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function weights(name: string, dims: number[], std: number): OnnxTypes.ITensorProto {
  return floats(name, dims, gaussian(dims.reduce((a, b) => a * b, 1), seedOf(`model|${name}|${dims.join('x')}`), std));
}

function int64s(name: string, data: number[]): OnnxTypes.ITensorProto {
  return { name, dataType: onnx.TensorProto.DataType.INT64, dims: [data.length], int64Data: data };
}

function scalar(name: string, v: number): OnnxTypes.ITensorProto {
  return floats(name, [], new Float32Array([v]));
}

type Attr = { i: number } | { f: number } | { ints: number[] };

function node(opType: string, input: string[], output: string[], attrs: Record<string, Attr> = {}, name?: string): OnnxTypes.INodeProto {
  const attribute = Object.entries(attrs).map(([k, v]): OnnxTypes.IAttributeProto =>
    'i' in v ? { name: k, type: A.INT, i: v.i } : 'f' in v ? { name: k, type: A.FLOAT, f: v.f } : { name: k, type: A.INTS, ints: v.ints });
  return { opType, input, output, name: name ?? `${opType}_${output[0]}`, attribute };
}

function value(name: string, dims: (number | string)[], elemType: number = FLOAT): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function model(name: string, graph: OnnxTypes.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 8, producerName: 'gsparse-bench', opsetImport: [{ domain: '', version: 17 }], graph: { name, ...graph } }),
  ).finish();
}

/** MLP: `layers` x (MatMul [in, hidden] + bias Add + Relu), X [batch, hidden] -> Y [batch, hidden]. */
export function mlpModel(hidden: number, layers: number): Uint8Array {
  const nodes: OnnxTypes.INodeProto[] = [];
  const inits: OnnxTypes.ITensorProto[] = [];
  let x = 'X';
  for (let l = 0; l < layers; l++) {
    const y = l === layers - 1 ? 'Y' : `h${l}`;
    nodes.push(node('MatMul', [x, `w${l}`], [`m${l}`], {}, `fc${l}`), node('Add', [`m${l}`, `b${l}`], [`a${l}`]), node('Relu', [`a${l}`], [y]));
    inits.push(weights(`w${l}`, [hidden, hidden], 1 / Math.sqrt(hidden)), weights(`b${l}`, [hidden], 0.1));
    x = y;
  }
  return model('mlp', { node: nodes, initializer: inits, input: [value('X', ['batch', hidden])], output: [value('Y', ['batch', hidden])] });
}

export interface EncoderShape {
  hidden: number;
  heads: number;
  ffn: number;
  layers: number;
  /** With a vocabulary: input_ids (int64 [batch, seq]) -> Gather from an embedding table -> the layers, output
   *  `last_hidden_state`, as a Hugging Face BertModel export names them. Without: X -> Y, floats. */
  vocab?: number;
}

/** One encoder layer reading x and writing `${p}out`. */
function encoderLayer(p: string, x: string, s: EncoderShape) {
  const { hidden: d, ffn } = s;
  const nodes = [
    node('MatMul', [x, `${p}wqkv`], [`${p}qkv0`], {}, `${p}qkv_proj`),
    node('Add', [`${p}qkv0`, `${p}bqkv`], [`${p}qkv`]),
    node('Split', [`${p}qkv`, 'split3'], [`${p}q`, `${p}k`, `${p}v`], { axis: { i: -1 } }),
    node('Reshape', [`${p}q`, 'heads_shape'], [`${p}q4`]),
    node('Transpose', [`${p}q4`], [`${p}qh`], { perm: { ints: [0, 2, 1, 3] } }),
    node('Reshape', [`${p}k`, 'heads_shape'], [`${p}k4`]),
    node('Transpose', [`${p}k4`], [`${p}khT`], { perm: { ints: [0, 2, 3, 1] } }),
    node('Reshape', [`${p}v`, 'heads_shape'], [`${p}v4`]),
    node('Transpose', [`${p}v4`], [`${p}vh`], { perm: { ints: [0, 2, 1, 3] } }),
    node('MatMul', [`${p}qh`, `${p}khT`], [`${p}scores0`], {}, `${p}scores`),
    node('Div', [`${p}scores0`, 'sqrt_dh'], [`${p}scores1`]),
    node('Softmax', [`${p}scores1`], [`${p}probs`], { axis: { i: -1 } }),
    node('MatMul', [`${p}probs`, `${p}vh`], [`${p}ctx4`], {}, `${p}context`),
    node('Transpose', [`${p}ctx4`], [`${p}ctx_t`], { perm: { ints: [0, 2, 1, 3] } }),
    node('Reshape', [`${p}ctx_t`, 'tokens_shape'], [`${p}ctx2d`]),
    node('Gemm', [`${p}ctx2d`, `${p}wo`, `${p}bo`], [`${p}attn2d`], { transB: { i: 1 } }, `${p}out_proj`),
    node('Shape', [x], [`${p}xshape`]),
    node('Reshape', [`${p}attn2d`, `${p}xshape`], [`${p}attn`]),
    node('Add', [x, `${p}attn`], [`${p}res1`]),
    node('LayerNormalization', [`${p}res1`, `${p}ln1_g`, `${p}ln1_b`], [`${p}h1`], { axis: { i: -1 }, epsilon: { f: 1e-5 } }),
    node('MatMul', [`${p}h1`, `${p}w1`], [`${p}f0`], {}, `${p}ffn1`),
    node('Add', [`${p}f0`, `${p}b1`], [`${p}f1`]),
    node('Div', [`${p}f1`, 'sqrt2'], [`${p}g0`]),
    node('Erf', [`${p}g0`], [`${p}g1`]),
    node('Add', [`${p}g1`, 'one'], [`${p}g2`]),
    node('Mul', [`${p}f1`, `${p}g2`], [`${p}g3`]),
    node('Mul', [`${p}g3`, 'half'], [`${p}gelu`]),
    node('MatMul', [`${p}gelu`, `${p}w2`], [`${p}f2`], {}, `${p}ffn2`),
    node('Add', [`${p}f2`, `${p}b2`], [`${p}f3`]),
    node('Add', [`${p}h1`, `${p}f3`], [`${p}res2`]),
    node('LayerNormalization', [`${p}res2`, `${p}ln2_g`, `${p}ln2_b`], [`${p}out`], { axis: { i: -1 }, epsilon: { f: 1e-5 } }),
  ];
  const std = 1 / Math.sqrt(d);
  const initializers = [
    weights(`${p}wqkv`, [d, 3 * d], std), weights(`${p}bqkv`, [3 * d], 0.1),
    weights(`${p}wo`, [d, d], std), weights(`${p}bo`, [d], 0.1),
    weights(`${p}w1`, [d, ffn], std), weights(`${p}b1`, [ffn], 0.1),
    weights(`${p}w2`, [ffn, d], 1 / Math.sqrt(ffn)), weights(`${p}b2`, [d], 0.1),
    floats(`${p}ln1_g`, [d], new Float32Array(d).fill(1)), weights(`${p}ln1_b`, [d], 0.1),
    floats(`${p}ln2_g`, [d], new Float32Array(d).fill(1)), weights(`${p}ln2_b`, [d], 0.1),
  ];
  return { nodes, initializers };
}

/** Encoder: X [batch, seq, hidden] -> Y [batch, seq, hidden]; layer l's nodes are named `l${l}_...`. */
export function encoderModel(s: EncoderShape): Uint8Array {
  const nodes: OnnxTypes.INodeProto[] = [];
  const inits: OnnxTypes.ITensorProto[] = [];
  let x = 'X';
  if (s.vocab) {
    nodes.push(node('Gather', ['embeddings', 'input_ids'], ['X'], { axis: { i: 0 } }));
    inits.push(weights('embeddings', [s.vocab, s.hidden], 1));
  }
  for (let l = 0; l < s.layers; l++) {
    const layer = encoderLayer(`l${l}_`, x, s);
    nodes.push(...layer.nodes);
    inits.push(...layer.initializers);
    x = `l${l}_out`;
  }
  const output = s.vocab ? 'last_hidden_state' : 'Y';
  nodes.push(node('Identity', [x], [output]));
  const dh = s.hidden / s.heads;
  inits.push(
    int64s('split3', [s.hidden, s.hidden, s.hidden]), int64s('heads_shape', [0, 0, s.heads, dh]), int64s('tokens_shape', [-1, s.hidden]),
    scalar('sqrt_dh', Math.sqrt(dh)), scalar('sqrt2', Math.SQRT2), scalar('one', 1), scalar('half', 0.5),
  );
  return model('encoder', {
    node: nodes, initializer: inits,
    input: [s.vocab ? value('input_ids', ['batch', 'seq'], onnx.TensorProto.DataType.INT64) : value('X', ['batch', 'seq', s.hidden])],
    output: [value(output, ['batch', 'seq', s.hidden])],
  });
}
