// One safetensors file as one feed record for InferenceSession.run (and calibration): each tensor's name is
// the model input's name, its dtype the matching onnxruntime tensor type.
import { readSafetensors } from './safetensors.js';
import type { SafeDType } from './safetensors-dtypes.js';
import { tensorToFloat32 } from './safetensors-values.js';
import { requireOrtInstalled, Tensor } from './ort.js';

type TypedCtor = new (buffer: ArrayBuffer) => ArrayBufferView;

/** onnxruntime's tensor type and array class of each dtype that maps onto one as it is. */
const AS_IS: Partial<Record<SafeDType, [type: string, ctor: TypedCtor]>> = {
  F32: ['float32', Float32Array], F64: ['float64', Float64Array], F16: ['float16', Uint16Array],
  I64: ['int64', BigInt64Array], I32: ['int32', Int32Array], I16: ['int16', Int16Array], I8: ['int8', Int8Array],
  U64: ['uint64', BigUint64Array], U32: ['uint32', Uint32Array], U16: ['uint16', Uint16Array], U8: ['uint8', Uint8Array],
  BOOL: ['bool', Uint8Array],
};

/**
 * The tensors of a safetensors file as onnxruntime Tensors keyed by name (each a copy, so the file's buffer can
 * go): F32 -> float32, F16 -> float16 (raw bits in a Uint16Array), I64 -> int64 (BigInt64Array), I32, I16, I8,
 * U8, BOOL, F64 and the unsigned types likewise; BF16, which onnxruntime's Tensor has no type for, is converted
 * to float32. FP8 tensors are a RangeError. E_CORRUPT for a malformed file, E_BACKEND without onnxruntime-node.
 */
export function feedsFromSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  requireOrtInstalled();
  const { tensors } = readSafetensors(bytes);
  const feeds: Record<string, Tensor> = {};
  for (const [name, t] of tensors) {
    let tensor: Tensor;
    const spec = AS_IS[t.dtype];
    if (t.dtype === 'BF16') tensor = new Tensor('float32', tensorToFloat32(t), t.shape);
    else if (spec) {
      const [type, Ctor] = spec;
      tensor = new Tensor(type as 'float32', new Ctor(new Uint8Array(t.data).buffer as ArrayBuffer) as Float32Array, t.shape);
    } else throw new RangeError(`feeds: tensor '${name}' has dtype ${t.dtype}, which onnxruntime tensors do not take`);
    Object.defineProperty(feeds, name, { value: tensor, enumerable: true, writable: true, configurable: true });
  }
  return feeds;
}
