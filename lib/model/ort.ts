// onnxruntime-node, an optional peer dependency, loaded only when a model API is used: users of the
// kernels alone never load it. Its Tensor class comes from onnxruntime-common (pure JS, no native code),
// resolved from onnxruntime-node's own folder so both share one Tensor class.
import { createRequire } from 'node:module';

import type * as OrtCommon from 'onnxruntime-common';

import { GsparseError } from '../errors.js';

/** The part of onnxruntime-node gsparse uses. */
export type Ort = typeof OrtCommon & { readonly InferenceSession: typeof OrtCommon.InferenceSession };

const require = createRequire(import.meta.url);
const MISSING =
  'onnxruntime-node is not installed; gsparse runs whole models with it (a peer dependency): npm install onnxruntime-node';

/** onnxruntime-common as onnxruntime-node loads it, or undefined when onnxruntime-node is not installed. */
function loadCommon(): typeof OrtCommon | undefined {
  try {
    const fromOrt = createRequire(require.resolve('onnxruntime-node'));
    return fromOrt('onnxruntime-common') as typeof OrtCommon;
  } catch {
    return undefined;
  }
}

const common = loadCommon();

/** Stands in for Tensor when onnxruntime-node is missing: constructing one says what to install. */
class MissingTensor {
  constructor() {
    throw new GsparseError(MISSING, 'E_BACKEND');
  }
}

/** onnxruntime's Tensor class (the one onnxruntime-node's sessions accept). */
export const Tensor: OrtCommon.TensorConstructor = (common?.Tensor ?? MissingTensor) as unknown as OrtCommon.TensorConstructor;
export type Tensor = OrtCommon.Tensor;

let ort: Promise<Ort> | undefined;

/** E_BACKEND naming the package unless onnxruntime-node is installed; loads none of its native code. */
export function requireOrtInstalled(): void {
  if (common === undefined) throw new GsparseError(MISSING, 'E_BACKEND');
}

/** onnxruntime-node, imported on first use; GsparseError E_BACKEND naming the package when it is missing. */
export function loadOrt(): Promise<Ort> {
  ort ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: Ort }).default ?? m) as Ort,
    (cause: unknown) => {
      ort = undefined;
      throw Object.assign(new GsparseError(`${MISSING} (${(cause as Error).message})`, 'E_BACKEND'), { cause });
    },
  );
  return ort;
}
