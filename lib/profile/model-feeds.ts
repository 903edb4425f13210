// Synthetic feeds for timing a whole model: what its declared inputs need (shapes with every symbolic dim
// given a value), filled deterministically. Floats are standard normal; integers are 1 (a valid token id and
// an "attend" mask value); booleans true. Timing does not depend on the values, only on the shapes.
import type { InferenceSession as OrtSession } from 'onnxruntime-common';

import { Tensor } from '../model/ort.js';
import { gaussian, seedFrom } from './random.js';

/** One model input to synthesise: its name, onnxruntime type name, and concrete dims. */
export interface FeedSpec {
  name: string;
  type: string;
  dims: number[];
}

/** Concrete feed specs from a model's input metadata; `dims` names a value for each symbolic dim. */
export function feedSpecs(inputs: readonly OrtSession.ValueMetadata[], dims: Readonly<Record<string, number>>): FeedSpec[] {
  return inputs.map((m) => {
    if (!m.isTensor) throw new RangeError(`input '${m.name}': not a tensor; only tensor inputs can be synthesised`);
    const shape = m.shape.map((d) => {
      if (typeof d === 'number' && d >= 0) return d;
      const given = typeof d === 'string' ? dims[d] : undefined;
      if (given === undefined)
        throw new RangeError(`input '${m.name}' has the symbolic dim '${String(d)}': give its value (dims: { ${String(d) || 'name'}: N }, CLI --dims ${String(d) || 'name'}=N)`);
      return given;
    });
    return { name: m.name, type: m.type, dims: shape };
  });
}

/** Deterministic feeds for the specs (same seed, same values). */
export function syntheticFeeds(specs: readonly FeedSpec[], seed = 1): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const s of specs) {
    const n = s.dims.reduce((a, b) => a * b, 1);
    switch (s.type) {
      case 'float32':
        feeds[s.name] = new Tensor('float32', gaussian(n, seedFrom(s.name, seed)), s.dims);
        break;
      case 'int64':
        feeds[s.name] = new Tensor('int64', new BigInt64Array(n).fill(1n), s.dims);
        break;
      case 'int32':
        feeds[s.name] = new Tensor('int32', new Int32Array(n).fill(1), s.dims);
        break;
      case 'bool':
        feeds[s.name] = new Tensor('bool', new Uint8Array(n).fill(1), s.dims);
        break;
      default:
        throw new RangeError(`input '${s.name}': cannot synthesise type ${s.type} (float32, int64, int32 and bool can be)`);
    }
  }
  return feeds;
}
