// A two-layer MLP as ONNX bytes (MatMul with [in, out] initializers), built with onnx-proto,
// independently of gsparse's own ONNX writer. For child processes that cannot import TypeScript helpers.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

function weights(name, dims, seed) {
  const n = dims[0] * dims[1];
  const data = Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7919 + i * 0.37));
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer) };
}

function value(name, dims) {
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

/** x [batch, inputs] -> MatMul -> Relu -> MatMul -> y [batch, outputs]: compressed, both MatMuls
 * (Relu folded) become SparseLinear nodes, so running it makes no onnxruntime call. */
export function mlpModel(inputs, hidden, outputs) {
  const m = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'gsparse-test',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'mlp',
      node: [
        { opType: 'MatMul', input: ['x', 'w1'], output: ['h'] },
        { opType: 'Relu', input: ['h'], output: ['a'] },
        { opType: 'MatMul', input: ['a', 'w2'], output: ['y'] },
      ],
      input: [value('x', ['batch', inputs])],
      output: [value('y', ['batch', outputs])],
      initializer: [weights('w1', [inputs, hidden], 1), weights('w2', [hidden, outputs], 2)],
    },
  });
  return onnx.ModelProto.encode(m).finish();
}
