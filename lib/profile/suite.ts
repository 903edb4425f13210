// The embedded real-world layer shapes `gsparse profile` runs with no arguments. W is [out, in].
import type { LayerShape } from './types.js';

/** A named profile setup: layers plus the sparsities and batches to sweep. */
export interface Suite {
  layers: LayerShape[];
  sparsities: number[];
  batches: number[];
}

/**
 * Default suite: BERT-base, ResNet-50 1x1 convs, GNMT LSTM gates, a LLaMA-7B attention projection and
 * MLP. The LLaMA layers run at batch 1 and 90% only (the two 45M-weight MLP layers with few repeats), to
 * keep the run short. `npm run bench` takes its layers from here too (bench/cases.ts); its headline
 * 4096x4096 W (docs/benchmarks.md, Targets) is llama7b.attn.q.
 */
export const DEFAULT_SUITE: Suite = {
  sparsities: [0.5, 0.75, 0.9, 0.95],
  batches: [1, 16, 64],
  layers: [
    { name: 'bert.ffn.up', rows: 3072, cols: 768 },
    { name: 'bert.ffn.down', rows: 768, cols: 3072 },
    { name: 'bert.attn.proj', rows: 768, cols: 768 },
    { name: 'resnet50.conv1x1.a', rows: 256, cols: 1024 },
    { name: 'resnet50.conv1x1.b', rows: 1024, cols: 256 },
    { name: 'resnet50.conv1x1.c', rows: 512, cols: 2048 },
    { name: 'gnmt.lstm.gates', rows: 4096, cols: 1024 },
    { name: 'llama7b.attn.q', rows: 4096, cols: 4096, sparsities: [0.9], batches: [1] },
    { name: 'llama7b.mlp.up', rows: 11008, cols: 4096, sparsities: [0.9], batches: [1], maxRepeats: 3 },
    { name: 'llama7b.mlp.down', rows: 4096, cols: 11008, sparsities: [0.9], batches: [1], maxRepeats: 3 },
  ],
};

/** `--quick`: two small layers, two sparsities, two batches (a few seconds). */
export const QUICK_SUITE: Suite = {
  sparsities: [0.5, 0.9],
  batches: [1, 16],
  layers: [
    { name: 'bert.attn.proj', rows: 768, cols: 768 },
    { name: 'resnet50.conv1x1.a', rows: 256, cols: 1024 },
  ],
};

/** Layers from "ROWSxCOLS" strings (e.g. "768x3072"); RangeError names a malformed entry. */
export function shapesToLayers(shapes: readonly string[]): LayerShape[] {
  return shapes.map((s) => {
    const m = /^\s*(\d+)\s*x\s*(\d+)\s*$/i.exec(s);
    const rows = m ? Number(m[1]) : 0;
    const cols = m ? Number(m[2]) : 0;
    if (!m || rows < 1 || cols < 1) throw new RangeError(`shape: expected ROWSxCOLS with positive integers (e.g. 768x3072), got '${s}'`);
    return { name: `${rows}x${cols}`, rows, cols };
  });
}
