// Float32 and uint8 tensors in and out of TensorProto (raw little-endian data, or the typed repeated fields).
import { GsparseError } from '../errors.js';
import { elementCount } from './onnx-io.js';
import { DataType } from './onnx-schema.js';
import type { TensorProto } from './onnx-types.js';

/** The values of a FLOAT tensor as a new Float32Array; E_CORRUPT when its data does not match its dims. */
export function readFloats(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new GsparseError(`tensor '${t.name ?? ''}' is not float32`, 'E_INTERNAL');
  const n = elementCount(t);
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * 4)
      throw new GsparseError(`ONNX model: tensor '${t.name ?? ''}' holds ${t.rawData.length} bytes, expected ${n * 4}`, 'E_CORRUPT');
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(t.rawData); // raw data is little-endian, as every host Node's addon builds for
    return out;
  }
  const data = t.floatData ?? [];
  if (data.length !== n)
    throw new GsparseError(`ONNX model: tensor '${t.name ?? ''}' holds ${data.length} floats, expected ${n}`, 'E_CORRUPT');
  return Float32Array.from(data);
}

/** A FLOAT initializer holding data (raw little-endian bytes, a view of data when possible). */
export function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  return {
    name,
    dataType: DataType.FLOAT,
    dims: [...dims],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** A 1-D UINT8 initializer holding bytes. */
export function bytesTensor(name: string, bytes: Uint8Array): TensorProto {
  return { name, dataType: DataType.UINT8, dims: [bytes.length], rawData: bytes };
}

/** The bytes of a 1-D UINT8 tensor (a view); E_CORRUPT for any other tensor. */
export function readBytes(t: TensorProto): Uint8Array {
  const n = elementCount(t);
  if (t.dataType !== DataType.UINT8 || (t.dims ?? []).length !== 1 || !t.rawData || t.rawData.length !== n)
    throw new GsparseError(`ONNX model: tensor '${t.name ?? ''}' is not a 1-D uint8 tensor with raw data`, 'E_CORRUPT');
  return t.rawData;
}
