// The bench's cases (bench/cases.ts): its shapes are the profiler's suite layers (lib/profile/suite.ts),
// and its timing flags become the plans of the one timing engine (lib/profile/measure.ts).
import { describe, expect, it } from 'vitest';

import { type BenchConfig, parseConfig } from '../bench/cases.js';
import { DEFAULT_SUITE } from '../lib/profile/suite.js';

function config(...argv: string[]): BenchConfig {
  const c = parseConfig(argv, { threads: 2, recommendedBanks: 16 });
  if (c === 'help') throw new Error('unexpected help');
  return c;
}

describe('bench cases', () => {
  it('default shapes are suite layers, the 4096x4096 target first and alone in --quick', () => {
    const { shapes } = config();
    expect(shapes[0]).toEqual({ name: 'llama7b.attn.q', rows: 4096, cols: 4096 });
    for (const s of shapes) expect(DEFAULT_SUITE.layers).toContainEqual(expect.objectContaining(s));
    expect(new Set(shapes.map((s) => s.name)).size).toBe(shapes.length);
    expect(config('--quick').shapes).toEqual([shapes[0]]);
  });

  it('--shapes takes suite names, and RxC named after the suite layer of that shape if any', () => {
    expect(config('--shapes', 'llama7b.mlp.down,4096x1024,100x7').shapes).toEqual([
      { name: 'llama7b.mlp.down', rows: 4096, cols: 11008 },
      { name: 'gnmt.lstm.gates', rows: 4096, cols: 1024 },
      { name: '100x7', rows: 100, cols: 7 },
    ]);
    expect(() => config('--shapes', 'square-4096')).toThrow(/^--shapes: expected a name \(bert\.ffn\.up, .*llama7b\.attn\.q.*\) or RxC, got 'square-4096'$/);
  });

  it('timing flags become the engine plans: hot samples and seconds, cold calls', () => {
    expect(config('--samples', '7', '--min-time', '0.5', '--cold-samples', '4').timing).toEqual({
      hot: { warmup: 2, minRepeats: 7, maxRepeats: 10_000, minTimeMs: 500, maxTimeMs: 5000, minSampleMs: 2 },
      cold: { warmup: 2, minRepeats: 4, maxRepeats: 4, minTimeMs: 0 },
    });
  });
});
