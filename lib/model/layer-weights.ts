// A linear layer's weights in and out of its ONNX form: W = alpha · (B or Bᵀ) as [rows, cols] for the kernels,
// the pruned W written back in B's layout for `pruned`, and the bias as one vector.
import type { DType } from '../native.js';
import type { LinearLayer } from './linear-layers.js';
import { readFloats } from './tensor-data.js';

/** Calls fn(i, j) for each weight: i its index in W [rows, cols], j in B; in 64 x 64 tiles (B = Wᵀ reads stay cached). */
function eachWeight(layer: LinearLayer, fn: (i: number, j: number) => void): void {
  const { rows, cols, weightIsB } = layer;
  const T = 64;
  for (let r0 = 0; r0 < rows; r0 += T)
    for (let c0 = 0; c0 < cols; c0 += T)
      for (let r = r0; r < Math.min(rows, r0 + T); r++)
        for (let c = c0; c < Math.min(cols, c0 + T); c++) fn(r * cols + c, weightIsB ? r * cols + c : c * rows + r);
}

/** W = alpha · (B or Bᵀ) as [rows, cols]. */
export function weightMatrix(layer: LinearLayer, b: Float32Array): Float32Array {
  const w = new Float32Array(layer.rows * layer.cols);
  eachWeight(layer, (i, j) => {
    w[i] = layer.alpha * (b[j] as number);
  });
  return w;
}

/**
 * B with zeros wherever the packed W (in B's layout) pruned a weight. Kept weights are B's own values, or with
 * fp16 storage the stored (rounded) ones, so that `pruned` computes what the packed model computes.
 */
export function prunedB(layer: LinearLayer, b: Float32Array, packed: Float32Array, dtype: DType): Float32Array {
  const out = new Float32Array(b.length);
  eachWeight(layer, (i, j) => {
    const w = packed[i] as number;
    if (w !== 0) out[j] = dtype === 'f16' ? w / layer.alpha : (b[j] as number);
  });
  return out;
}

/** The bias vector [rows] of a layer: C or the folded Add's constant, scaled and broadcast. */
export function biasVector(layer: LinearLayer): Float32Array | undefined {
  if (!layer.bias) return undefined;
  const c = readFloats(layer.bias.tensor);
  const out = new Float32Array(layer.rows);
  for (let r = 0; r < layer.rows; r++) out[r] = layer.bias.scale * (c.length === 1 ? (c[0] as number) : (c[r] as number));
  return out;
}
