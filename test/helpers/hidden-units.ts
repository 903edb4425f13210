// Shared pieces of the hidden-unit tests (permutations, narrowing): random initializers, the erf-GELU subgraph,
// and onnxruntime on the reference bytes vs on a rewritten model.
import { expect } from 'vitest';

import { dimsOf, encodeModel } from '../../lib/model/onnx-io.js';
import type { ModelProto } from '../../lib/model/onnx-types.js';
import { readFloats } from '../../lib/model/tensor-data.js';
import { floatInit, node, ort, relErr, runOrt } from './onnx-build.js';
import { randn } from './reference.js';
import { seedOf } from './util.js';

/** A random FLOAT initializer (seeded by name and dims), scaled by std. */
export function w(name: string, dims: number[], std = 1): ReturnType<typeof floatInit> {
  return floatInit(name, dims, randn(dims.reduce((a, b) => a * b, 1), seedOf(name, ...dims), std));
}

/** A scalar FLOAT initializer. */
export function scalar(name: string, v: number): ReturnType<typeof floatInit> {
  return floatInit(name, [], new Float32Array([v]));
}

/** PyTorch's exact GELU of x into y (Div √2, Erf, Add 1, Mul x, Mul 0.5), with its three scalar initializers. */
export function erfGeluNodes(x: string, y: string): { nodes: ReturnType<typeof node>[]; inits: ReturnType<typeof floatInit>[] } {
  return {
    nodes: [node('Div', [x, `${y}.sqrt2`], [`${y}.d`]), node('Erf', [`${y}.d`], [`${y}.e`]), node('Add', [`${y}.e`, `${y}.one`], [`${y}.e1`]),
      node('Mul', [x, `${y}.e1`], [`${y}.m`]), node('Mul', [`${y}.m`, `${y}.half`], [y])],
    inits: [scalar(`${y}.sqrt2`, Math.SQRT2), scalar(`${y}.one`, 1), scalar(`${y}.half`, 0.5)],
  };
}

/** Random float feeds: one [rows, dims...] tensor per input name. */
export function feedsFor(inputs: Record<string, number[]>, label: string): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, dims] of Object.entries(inputs))
    feeds[name] = new ort.Tensor('float32', randn(dims.reduce((a, b) => a * b, 1), seedOf(label, name)), dims);
  return feeds;
}

/** onnxruntime on `model` gives onnxruntime's outputs on `reference` (same dims, relative error <= tol). */
export async function expectSameOutputs(reference: Uint8Array, model: ModelProto, feeds: Record<string, ort.Tensor>, tol = 1e-5): Promise<void> {
  const want = await runOrt(reference, feeds);
  const got = await runOrt(encodeModel(model), feeds);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [name, t] of Object.entries(want)) {
    expect(got[name]?.dims, name).toEqual(t.dims);
    expect(relErr(got[name]?.data as Float32Array, t.data as Float32Array), name).toBeLessThanOrEqual(tol);
  }
}

/** An initializer of a model: dims and floats. */
export function init(model: ModelProto, name: string): { dims: number[]; data: Float32Array } {
  const t = model.graph?.initializer?.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer '${name}'`);
  return { dims: dimsOf(t), data: readFloats(t) };
}
