// gsparse's ONNX reader / writer keeps the fields of models exported today (IR 10: metadata_props on nodes,
// graphs and values, float8 tensors) that onnx-proto (ONNX 1.10 / IR 8) drops. The model is written at the
// wire level here with protobufjs' Writer, independent of both schemas.
import protobuf from 'protobufjs/light.js';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';

import { compress, InferenceSession, Tensor } from '../lib/index.js';
import { runOrt } from './helpers/onnx-build.js';

type Field = [id: number, value: number | string | Uint8Array | Field[]];

/** Encodes fields (varint numbers, strings, bytes, nested messages) as protobuf. */
function message(fields: Field[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const [id, v] of fields) {
    if (typeof v === 'number') w.uint32((id << 3) | 0).int64(v);
    else if (typeof v === 'string') w.uint32((id << 3) | 2).string(v);
    else if (v instanceof Uint8Array) w.uint32((id << 3) | 2).bytes(v);
    else w.uint32((id << 3) | 2).bytes(message(v));
  }
  return w.finish();
}

const entry = (key: string, value: string): Field[] => [[1, key], [2, value]];
const tensorValue = (name: string, n: number): Field[] => [
  [1, name],
  [2, [[1, [[1, 1], [2, [[1, [[1, n]]]]]]]]], // type.tensor_type { elem_type FLOAT, shape { dim { dim_value n } } }
  [4, entry('value.note', `${name} metadata`)], // ValueInfoProto.metadata_props (IR 10)
];

const MODEL = message([
  [1, 10], // ir_version 10
  [8, [[1, ''], [2, 21]]], // opset_import ai.onnx 21
  [7, [
    [1, [[1, 'X'], [2, 'Y'], [3, 'relu'], [4, 'Relu'], [9, entry('pkg.torch.onnx.stack_trace', 'model.py:12')]]], // node + metadata_props
    [2, 'exported'],
    [5, [[1, 4], [2, 17], [8, 'scale_f8'], [9, new Uint8Array([0x38, 0x40, 0x44, 0x48])]]], // FLOAT8E4M3FN initializer
    [11, tensorValue('X', 4)],
    [12, tensorValue('Y', 4)],
    [16, entry('graph.note', 'graph metadata')], // GraphProto.metadata_props (IR 10)
  ]],
]);

const has = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text));

describe('ONNX fields newer than onnx-proto survive gsparse', () => {
  it('onnx-proto drops them (why gsparse has its own schema)', () => {
    const { onnx } = onnxProto;
    const again = onnx.ModelProto.encode(onnx.ModelProto.decode(MODEL)).finish();
    expect(has(again, 'pkg.torch.onnx.stack_trace')).toBe(false);
    expect(has(again, 'graph metadata')).toBe(false);
  });

  it('compress() writes them back in model and pruned, and both run', async () => {
    const x = new Tensor('float32', new Float32Array([-1, 2, -3, 4]), [4]);
    const reference = await runOrt(MODEL, { X: x });
    const result = await compress(MODEL, { sparsity: 0.5, patterns: ['csr'] });
    for (const bytes of [result.model, result.pruned]) {
      for (const text of ['pkg.torch.onnx.stack_trace', 'model.py:12', 'graph metadata', 'X metadata', 'Y metadata', 'scale_f8'])
        expect(has(bytes, text), text).toBe(true);
      expect(Buffer.from(bytes).includes(Buffer.from([0x38, 0x40, 0x44, 0x48]))).toBe(true);
      const session = await InferenceSession.create(bytes);
      expect((await session.run({ X: x })).Y?.data).toEqual(reference.Y?.data);
      await session.release();
    }
  });
});
