// The step planner on hand-worked graphs (here every MatMul plays the gsparse node): maximal onnxruntime
// segments, independent gsparse nodes in one step, residuals carried past gsparse steps, dead nodes dropped.
import { describe, expect, it } from 'vitest';

import { indexGraph } from '../lib/model/graph.js';
import type { GraphProto, NodeProto } from '../lib/model/onnx-types.js';
import { planSteps, type Step } from '../lib/model/segments.js';

const n = (opType: string, input: string[], output: string[]): NodeProto => ({ opType, input, output, name: output[0] });

function plan(nodes: NodeProto[], inputs: string[], outputs: string[]): (string | { ort: string[]; in: string[]; out: string[] })[] {
  const graph: GraphProto = { node: nodes, input: inputs.map((name) => ({ name })), output: outputs.map((name) => ({ name })) };
  const index = indexGraph(graph);
  return planSteps(index, (node) => node.opType === 'MatMul').map((s: Step) =>
    s.kind === 'gsparse'
      ? `gs:${s.nodes.map((i) => nodes[i]?.name).join(',')}`
      : { ort: s.nodes.map((i) => nodes[i]?.name ?? ''), in: [...s.inputs].sort(), out: [...s.outputs].sort() });
}

describe('planSteps', () => {
  it('a chain alternates steps', () => {
    expect(plan([n('MatMul', ['X', 'W1'], ['a']), n('Relu', ['a'], ['b']), n('MatMul', ['b', 'W2'], ['Y'])], ['X', 'W1', 'W2'], ['Y']))
      .toEqual(['gs:a', { ort: ['b'], in: ['a'], out: ['b'] }, 'gs:Y']);
  });

  it('a residual skips over a gsparse step as a segment output', () => {
    const nodes = [
      n('Relu', ['X'], ['x1']),
      n('MatMul', ['x1', 'W1'], ['a']),
      n('Add', ['x1', 'a'], ['b']),
      n('MatMul', ['b', 'W2'], ['c']),
      n('Add', ['b', 'c'], ['Y']),
    ];
    expect(plan(nodes, ['X', 'W1', 'W2'], ['Y'])).toEqual([
      { ort: ['x1'], in: ['X'], out: ['x1'] },
      'gs:a',
      { ort: ['b'], in: ['a', 'x1'], out: ['b'] },
      'gs:c',
      { ort: ['Y'], in: ['b', 'c'], out: ['Y'] },
    ]);
  });

  it('independent gsparse nodes share one step; nodes that need none of them run in the first segment', () => {
    const nodes = [
      n('MatMul', ['X', 'Wq'], ['q']),
      n('MatMul', ['X', 'Wk'], ['k']),
      n('MatMul', ['X', 'Wv'], ['v']),
      n('Shape', ['X'], ['s']),
      n('Mul', ['q', 'k'], ['qk']),
      n('Add', ['qk', 'v'], ['r']),
      n('Reshape', ['r', 's'], ['Y']),
    ];
    expect(plan(nodes, ['X', 'Wq', 'Wk', 'Wv'], ['Y'])).toEqual([
      { ort: ['s'], in: ['X'], out: ['s'] },
      'gs:q,k,v',
      { ort: ['qk', 'r', 'Y'], in: ['k', 'q', 's', 'v'], out: ['Y'] },
    ]);
  });

  it('a value that is a graph output and read later leaves its segment once; dead nodes never run', () => {
    const nodes = [
      n('Relu', ['X'], ['h']),
      n('Neg', ['X'], ['dead']),
      n('MatMul', ['h', 'W'], ['m']),
      n('Add', ['m', 'h'], ['Y']),
    ];
    expect(plan(nodes, ['X', 'W'], ['h', 'Y'])).toEqual([
      { ort: ['h'], in: ['X'], out: ['h'] },
      'gs:m',
      { ort: ['Y'], in: ['h', 'm'], out: ['Y'] },
    ]);
  });

  it('consecutive gsparse nodes need no segment between them', () => {
    expect(plan([n('MatMul', ['X', 'W1'], ['a']), n('MatMul', ['a', 'W2'], ['Y'])], ['X', 'W1', 'W2'], ['Y'])).toEqual(['gs:a', 'gs:Y']);
  });
});
