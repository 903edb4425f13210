// Float32 and uint8 tensors in and out of TensorProto (raw little-endian data, or the typed repeated fields).
import { GsparseError } from '../errors.js';
import { dimsOf, elementCount } from './onnx-io.js';
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

type TypedArrayCtor = new (buffer: ArrayBuffer) => ArrayLike<number | bigint> & { set(a: ArrayLike<number | bigint>): void };
const TYPED: Record<number, [type: string, ctor: TypedArrayCtor, bytes: number]> = {
  [DataType.FLOAT]: ['float32', Float32Array, 4], [DataType.DOUBLE]: ['float64', Float64Array, 8],
  [DataType.INT8]: ['int8', Int8Array, 1], [DataType.UINT8]: ['uint8', Uint8Array, 1], [DataType.INT16]: ['int16', Int16Array, 2],
  [DataType.UINT16]: ['uint16', Uint16Array, 2], [DataType.INT32]: ['int32', Int32Array, 4], [DataType.UINT32]: ['uint32', Uint32Array, 4],
  [DataType.INT64]: ['int64', BigInt64Array, 8], [DataType.UINT64]: ['uint64', BigUint64Array, 8], [DataType.BOOL]: ['bool', Uint8Array, 1],
  [DataType.FLOAT16]: ['float16', Uint16Array, 2],
};

/** A numeric initializer as (onnxruntime type name, typed array, dims); E_CORRUPT when its data does not fit. */
export function readConstant(t: TensorProto): { type: string; data: ArrayLike<number | bigint>; dims: number[] } {
  const spec = TYPED[t.dataType ?? 0];
  if (!spec) throw new GsparseError(`ONNX model: constant '${t.name ?? ''}' of data type ${t.dataType} cannot be returned`, 'E_CORRUPT');
  const [type, Ctor, bytes] = spec;
  const n = elementCount(t);
  const data = new Ctor(new ArrayBuffer(n * bytes));
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * bytes)
      throw new GsparseError(`ONNX model: tensor '${t.name ?? ''}' holds ${t.rawData.length} bytes, expected ${n * bytes}`, 'E_CORRUPT');
    new Uint8Array((data as unknown as Uint8Array).buffer).set(t.rawData);
  } else {
    const wide = type === 'int64' || type === 'uint64';
    const src = [t.floatData, t.doubleData, t.int32Data, t.int64Data, t.uint64Data].find((a) => a !== undefined && a.length > 0) ?? [];
    if (src.length !== n) throw new GsparseError(`ONNX model: tensor '${t.name ?? ''}' holds ${src.length} values, expected ${n}`, 'E_CORRUPT');
    data.set(Array.from(src as ArrayLike<unknown>, (v) => (wide ? BigInt(String(v)) : Number(v))));
  }
  return { type, data, dims: dimsOf(t) };
}
