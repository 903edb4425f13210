// inputMetadata / outputMetadata as onnxruntime-node (>= 1.22) reports them, from the model's declarations.
import type { InferenceSession as OrtSession, Tensor } from 'onnxruntime-common';

import { typeNameOf } from './element-types.js';
import { int64 } from './onnx-io.js';
import type { ValueInfoProto } from './onnx-types.js';

/** A declared graph input / output as onnxruntime's ValueMetadata (shape: numbers, or names of symbolic dims). */
export function valueMetadata(v: ValueInfoProto): OrtSession.ValueMetadata {
  const tensor = v.type?.tensorType;
  const name = v.name ?? '';
  if (!tensor) return { name, isTensor: false };
  return {
    name,
    isTensor: true,
    type: typeNameOf(tensor.elemType ?? 0) as Tensor.Type,
    shape: (tensor.shape?.dim ?? []).map((d) => (d.dimValue !== undefined ? int64(d.dimValue, 'dim') : (d.dimParam ?? ''))),
  };
}
