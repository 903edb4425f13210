// Per-layer pattern choice on hand-made candidate lists, and per-shape timing through the profiler.
import { describe, expect, it } from 'vitest';

import { hardware } from '../lib/index.js';
import {
  choosePattern, DEFAULT_ERROR_TOLERANCE, defaultCandidates, type PatternCandidate, timeShapes,
} from '../lib/model/choose-patterns.js';
import type { ProfileProgress } from '../lib/profile/types.js';

const LAYER = { name: 'fc1', rows: 64, cols: 32 };

describe('choosePattern', () => {
  const list: PatternCandidate[] = [
    { pattern: 'csr', timeMs: 1.5, retained: 1 },
    { pattern: 'gs:16', timeMs: 0.41, retained: 0.985 },
    { pattern: 'block:4x1', timeMs: 0.3, retained: 0.8 },
    { pattern: 'gs:16x4', timeMs: 0.6, retained: 0.99 },
  ];

  it('picks the fastest candidate that keeps quality; faster low-retained ones are rejected for quality', () => {
    const c = choosePattern(LAYER, list, { denseMs: 2.1 });
    expect(c.pattern).toBe('gs:16');
    expect(c.rejected).toEqual([{ pattern: 'block:4x1', reason: 'quality' }]);
    expect(c.why).toMatch(/0\.41 ms vs dense 2\.1 ms.*retained 0\.985 >= 0\.97/);
    // A stricter bound moves the pick to the next passing candidate.
    const strict = choosePattern(LAYER, list, { denseMs: 2.1, minRetained: 0.988 });
    expect(strict.pattern).toBe('gs:16x4');
    expect(strict.rejected.map((r) => r.pattern)).toEqual(['block:4x1', 'gs:16']);
    // A looser one lets block:4x1 win.
    expect(choosePattern(LAYER, list, { denseMs: 2.1, minRetained: 0.5 }).pattern).toBe('block:4x1');
  });

  it("is 'dense' when no candidate that keeps quality beats dense", () => {
    const slow = choosePattern(LAYER, list, { denseMs: 0.4 });
    expect(slow.pattern).toBe('dense');
    expect(slow.rejected).toEqual([{ pattern: 'block:4x1', reason: 'quality' }]);
    expect(slow.why).toMatch(/beats dense/);
    expect(choosePattern(LAYER, list, { denseMs: 0.41 }).pattern).toBe('dense'); // equal time is no win
    const poor = choosePattern(LAYER, list, { denseMs: 10, minRetained: 1.0 });
    expect(poor.pattern).toBe('csr');
    const none = choosePattern(LAYER, list.filter((c) => c.pattern !== 'csr'), { denseMs: 10, minRetained: 1.0 });
    expect(none.pattern).toBe('dense');
    expect(none.rejected).toHaveLength(3);
    expect(none.why).toMatch(/keeps quality/);
    expect(choosePattern(LAYER, [], { denseMs: 1 }).pattern).toBe('dense');
  });

  it('with calibration errors, rejects candidates beyond unstructuredError * (1 + tolerance)', () => {
    const errs: PatternCandidate[] = [
      { pattern: 'csr', timeMs: 1.5, retained: 1, outputError: 0.5 },
      { pattern: 'gs:16', timeMs: 0.4, retained: 0.99, outputError: 0.5 * (1 + DEFAULT_ERROR_TOLERANCE) + 0.01 },
      { pattern: 'gs:16x4', timeMs: 0.6, retained: 0.99, outputError: 0.5 * (1 + DEFAULT_ERROR_TOLERANCE) - 0.01 },
    ];
    const c = choosePattern(LAYER, errs, { denseMs: 2, unstructuredError: 0.5 });
    expect(c.pattern).toBe('gs:16x4');
    expect(c.rejected).toEqual([{ pattern: 'gs:16', reason: 'output error' }]);
    expect(c.why).toMatch(/output error/);
    // A looser tolerance accepts gs:16; without unstructuredError the rule does not apply.
    expect(choosePattern(LAYER, errs, { denseMs: 2, unstructuredError: 0.5, errorTolerance: 0.5 }).pattern).toBe('gs:16');
    expect(choosePattern(LAYER, errs, { denseMs: 2 }).pattern).toBe('gs:16');
    // The absolute epsilon: float noise over an exact (0) unstructured error is accepted, a real error is not.
    const zero = [{ pattern: 'gs:16', timeMs: 0.4, retained: 1, outputError: 1e-9 }];
    expect(choosePattern(LAYER, zero, { denseMs: 2, unstructuredError: 0 }).pattern).toBe('gs:16');
    expect(choosePattern(LAYER, [{ ...zero[0] as PatternCandidate, outputError: 1e-3 }], { denseMs: 2, unstructuredError: 0 }).pattern).toBe('dense');
    // Quality is reported before output error.
    const both = choosePattern(LAYER, [{ pattern: 'block:4x1', timeMs: 0.1, retained: 0.5, outputError: 9 }, ...errs], { denseMs: 2, unstructuredError: 0.5 });
    expect(both.rejected[0]).toEqual({ pattern: 'block:4x1', reason: 'quality' });
  });

  it('refuses bad options', () => {
    expect(() => choosePattern(LAYER, list, { denseMs: 0 })).toThrow(RangeError);
    expect(() => choosePattern(LAYER, list, { denseMs: 1, minRetained: 2 })).toThrow(RangeError);
    expect(() => choosePattern(LAYER, list, { denseMs: 1, errorTolerance: -1 })).toThrow(RangeError);
  });
});

describe('defaultCandidates', () => {
  it('offers 2:4 only at sparsity 0.5', () => {
    expect(defaultCandidates(16)).toEqual(['csr', 'gs:16', 'gs:16x4', 'block:4x1']);
    expect(defaultCandidates(8, 0.9)).not.toContain('2:4');
    expect(defaultCandidates(8, 0.5)).toContain('2:4');
  });
});

describe('timeShapes', () => {
  it('times each distinct shape once per pattern and dense', async () => {
    const banks = hardware().recommendedBanks;
    const patterns = ['csr', `gs:${banks}`, 'block:4x1'];
    const generated: string[] = [];
    const measured = new Set<string>();
    const onProgress = (p: ProfileProgress) => {
      if (p.stage === 'generate') generated.push(p.layer);
      if (p.stage === 'measure' && p.pattern) measured.add(`${p.layer}|${p.pattern}`);
    };
    const shapes = [{ rows: 32, cols: 64 }, { rows: 64, cols: 32 }, { rows: 32, cols: 64 }];
    const times = await timeShapes(shapes, {
      patterns, sparsity: 0.75, batch: 2, onProgress, measure: { warmup: 0, minRepeats: 1, maxRepeats: 1, minTimeMs: 0 },
    });
    expect(generated).toEqual(['32x64', '64x32']);
    expect(measured.size).toBe(2 * (patterns.length + 1));
    expect([...times.keys()]).toEqual(['32x64', '64x32']);
    for (const t of times.values()) {
      expect([...t.keys()].sort()).toEqual([...patterns, 'dense'].sort());
      for (const v of t.values()) expect(v).toBeGreaterThan(0);
    }
  });
});
