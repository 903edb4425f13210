import { describe, expect, it } from 'vitest';
import { parsePattern } from '../lib/index.js';
import { PATTERN_CASES } from './helpers/patterns.js';

function permuteOf(p: unknown): boolean {
  return !!(p as { permute?: boolean }).permute;
}

describe('parsePattern: string forms', () => {
  it.each(PATTERN_CASES.map((c) => [c.name, c.obj] as const))('%s', (name, obj) => {
    const p = parsePattern(name);
    expect(p).toMatchObject(obj);
    expect(permuteOf(p)).toBe(permuteOf(obj));
  });

  it.each([
    ['gs:16x4:permute', { kind: 'gs', banks: 16, perRow: 4, permute: true }],
    ['gs:32x32', { kind: 'gs', banks: 32, perRow: 32 }],
    ['gs:2', { kind: 'gs', banks: 2, perRow: 1 }],
    ['gs:64', { kind: 'gs', banks: 64, perRow: 1 }],
    ['block:1x8', { kind: 'block', rows: 1, cols: 8 }],
    ['16:16', { kind: 'nm', n: 16, m: 16 }],
    ['1:1', { kind: 'nm', n: 1, m: 1 }],
  ] as const)('%s', (name, obj) => {
    const p = parsePattern(name);
    expect(p).toMatchObject(obj);
    expect(permuteOf(p)).toBe(permuteOf(obj));
  });

  it('gs:16 means perRow 1 and the same as gs:16x1', () => {
    expect(parsePattern('gs:16')).toEqual(parsePattern('gs:16x1'));
  });
});

describe('parsePattern: object forms', () => {
  it.each(PATTERN_CASES.map((c) => [c.name, c.obj] as const))('%s as object', (name, obj) => {
    const p = parsePattern(obj as never);
    expect(p).toMatchObject(obj);
    expect(permuteOf(p)).toBe(permuteOf(obj));
    // string and object forms parse to the same thing
    expect(p).toEqual(parsePattern(name));
  });

  it('parsePattern is idempotent on its own output', () => {
    for (const c of PATTERN_CASES) {
      const p = parsePattern(c.name);
      expect(parsePattern(p)).toEqual(p);
    }
  });

  it('does not mutate the object it is given', () => {
    const o = { kind: 'gs', banks: 16, perRow: 4 } as const;
    const copy = { ...o };
    parsePattern(o as never);
    expect(o).toEqual(copy);
  });
});

describe('parsePattern: bad patterns are a RangeError naming the bad field', () => {
  const bad: [string, RegExp][] = [
    ['gs:12', /banks/], // not a power of two
    ['gs:128', /banks/], // more than 64
    ['gs:1', /banks/], // fewer than 2
    ['gs:16x3', /perRow/], // does not divide banks
    ['gs:16x32', /perRow/], // more than banks
    ['5:4', /\bn\b/], // n > m
    ['0:4', /\bn\b/],
    ['2:17', /\bm\b/], // m > 16
    ['block:0x4', /rows/],
    ['block:4x0', /cols/],
    ['foo', /kind|pattern|foo/],
    ['', /kind|pattern/],
  ];
  it.each(bad)('%j', (s, field) => {
    let err: unknown;
    try {
      parsePattern(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(field);
  });

  const badObjects: [unknown, RegExp][] = [
    [{ kind: 'gs', banks: 12, perRow: 1 }, /banks/],
    [{ kind: 'gs', banks: 16, perRow: 3 }, /perRow/],
    [{ kind: 'gs', banks: 16, perRow: 0 }, /perRow/],
    [{ kind: 'nm', n: 5, m: 4 }, /\bn\b/],
    [{ kind: 'nm', n: 2, m: 17 }, /\bm\b/],
    [{ kind: 'block', rows: 0, cols: 4 }, /rows/],
    [{ kind: 'block', rows: 4, cols: -1 }, /cols/],
    [{ kind: 'block', rows: 1.5, cols: 4 }, /rows/],
    [{ kind: 'foo' }, /kind/],
  ];
  it.each(badObjects)('%j', (o, field) => {
    let err: unknown;
    try {
      parsePattern(o as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(field);
  });
});
