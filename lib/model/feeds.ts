// Checks run() feeds against the model's declared inputs: every error names the input, as onnxruntime's do.
import { typeNameOf } from './element-types.js';
import { int64 } from './onnx-io.js';
import type { TypeProto } from './onnx-types.js';
import type { Tensor } from './ort.js';
import { Tensor as TensorClass } from './ort.js';

/** A declared model input: its name and (when the model states it) type and shape. */
export interface InputSpec {
  name: string;
  type?: TypeProto;
}

function isTensorLike(v: unknown): v is Tensor {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<Tensor>;
  return typeof t.type === 'string' && Array.isArray(t.dims) && t.data !== undefined;
}

/**
 * The feeds as onnxruntime Tensors (views of the caller's data), after checking names, element types and
 * fixed dims: TypeError for a non-tensor or a wrong element type, RangeError for a wrong name or shape.
 */
export function checkFeeds(feeds: unknown, inputs: readonly InputSpec[]): Record<string, Tensor> {
  if (typeof feeds !== 'object' || feeds === null) throw new TypeError('feeds: expected an object mapping input names to Tensors');
  const given = feeds as Record<string, unknown>;
  const names = inputs.map((i) => i.name);
  for (const key of Object.keys(given))
    if (!names.includes(key)) throw new RangeError(`feeds: '${key}' is not an input of this model (inputs: ${names.join(', ')})`);
  const out: Record<string, Tensor> = {};
  for (const input of inputs) {
    const value = given[input.name];
    if (value === undefined) throw new RangeError(`feeds: input '${input.name}' is missing`);
    if (!isTensorLike(value)) throw new TypeError(`feeds: input '${input.name}' is not a Tensor`);
    const tensorType = input.type?.tensorType;
    if (tensorType?.elemType !== undefined && tensorType.elemType !== 0) {
      const expected = typeNameOf(tensorType.elemType);
      if (value.type !== expected) throw new TypeError(`feeds: input '${input.name}': expected a ${expected} tensor, got ${value.type}`);
    }
    const dims = tensorType?.shape?.dim;
    if (dims) {
      const shown = dims.map((d) => (d.dimValue !== undefined ? String(int64(d.dimValue, 'dim')) : d.dimParam || '?'));
      const fits = dims.length === value.dims.length &&
        dims.every((d, k) => d.dimValue === undefined || int64(d.dimValue, 'dim') === value.dims[k]);
      if (!fits)
        throw new RangeError(`feeds: input '${input.name}': expected shape [${shown.join(', ')}], got [${value.dims.join(', ')}]`);
    }
    out[input.name] = value instanceof TensorClass ? value : new TensorClass(value.type as 'float32', value.data as Float32Array, value.dims);
  }
  return out;
}
