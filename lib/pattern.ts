import { native } from './native.js';

/** Sparsity patterns (docs/formats.md, Patterns); the object form of every string form. */
export type Pattern =
  | { kind: 'dense' }
  | { kind: 'csr' }
  | { kind: 'block'; rows: number; cols: number }
  | { kind: 'nm'; n: number; m: number }
  | { kind: 'gs'; banks: number; perRow: number; permute?: boolean }
  | { kind: 'channel' };

/** Kinds of pattern, in the order the pattern table lists them. */
export const PATTERN_KINDS = ['dense', 'csr', 'block', 'nm', 'gs', 'channel'] as const;

const INT = '(\\d+)';
const SYNTAX: [RegExp, (m: RegExpMatchArray) => Pattern][] = [
  [/^dense$/, () => ({ kind: 'dense' })],
  [/^csr$/, () => ({ kind: 'csr' })],
  [/^channel$/, () => ({ kind: 'channel' })],
  [new RegExp(`^block:${INT}x${INT}$`), (m) => ({ kind: 'block', rows: Number(m[1]), cols: Number(m[2]) })],
  [new RegExp(`^${INT}:${INT}$`), (m) => ({ kind: 'nm', n: Number(m[1]), m: Number(m[2]) })],
  [
    new RegExp(`^gs:${INT}(?:x${INT})?(:permute)?$`),
    (m) => ({ kind: 'gs', banks: Number(m[1]), perRow: m[2] === undefined ? 1 : Number(m[2]), permute: m[3] !== undefined }),
  ],
];

function fromString(s: string): Pattern {
  const text = s.trim().toLowerCase();
  for (const [re, make] of SYNTAX) {
    const m = text.match(re);
    if (m) return make(m);
  }
  throw new RangeError(
    `pattern: expected 'dense', 'csr', 'block:RxC', 'N:M', 'gs:B', 'gs:BxE', 'gs:BxE:permute' or 'channel', got '${s}'`,
  );
}

/** Normalises a pattern string or object into a checked object; RangeError names the bad field. */
export function parsePattern(p: string | Pattern): Pattern {
  let pattern: Pattern;
  if (typeof p === 'string') {
    pattern = fromString(p);
  } else if (typeof p === 'object' && p !== null) {
    pattern = { ...p } as Pattern;
    if (pattern.kind === 'gs') pattern = { ...pattern, perRow: pattern.perRow ?? 1, permute: pattern.permute ?? false };
  } else {
    throw new TypeError(`pattern: expected a string or a pattern object, got ${typeof p}`);
  }
  native.validatePattern(pattern);
  return pattern;
}

/** Canonical string form of a pattern ('gs:16x4:permute', '2:4', ...). */
export function patternToString(p: string | Pattern): string {
  const q = parsePattern(p);
  switch (q.kind) {
    case 'block':
      return `block:${q.rows}x${q.cols}`;
    case 'nm':
      return `${q.n}:${q.m}`;
    case 'gs':
      return `gs:${q.banks}${q.perRow === 1 ? '' : `x${q.perRow}`}${q.permute ? ':permute' : ''}`;
    default:
      return q.kind;
  }
}
