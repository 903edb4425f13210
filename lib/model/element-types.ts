// onnxruntime's tensor type names and ONNX's TensorProto.DataType numbers, both ways.
import { DataType } from './onnx-schema.js';

const PAIRS: [string, number][] = [
  ['float32', DataType.FLOAT], ['uint8', DataType.UINT8], ['int8', DataType.INT8], ['uint16', DataType.UINT16],
  ['int16', DataType.INT16], ['int32', DataType.INT32], ['int64', DataType.INT64], ['string', DataType.STRING],
  ['bool', DataType.BOOL], ['float16', DataType.FLOAT16], ['float64', DataType.DOUBLE], ['uint32', DataType.UINT32],
  ['uint64', DataType.UINT64], ['uint4', DataType.UINT4], ['int4', DataType.INT4],
];
const BY_NAME = new Map(PAIRS);
const BY_NUMBER = new Map(PAIRS.map(([n, d]) => [d, n]));

/** ONNX data type of an onnxruntime tensor type name (undefined when ONNX has none). */
export function elemTypeOf(type: string): number | undefined {
  return BY_NAME.get(type);
}

/** onnxruntime's name of an ONNX data type (e.g. 'float32'), or `data type N`. */
export function typeNameOf(elemType: number): string {
  return BY_NUMBER.get(elemType) ?? `data type ${elemType}`;
}
