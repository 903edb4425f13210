// compress()'s `target` option checked: exactly one goal, a positive number (a speedup above 1).
import type { CompressTarget } from './compress-types.js';

/** The target's kind and value, checked: exactly one of speedup (> 1), latencyMs, bytes (> 0). */
export function checkTarget(t: CompressTarget): { kind: 'speedup' | 'latency' | 'bytes'; value: number } {
  const entries: ['speedup' | 'latency' | 'bytes', unknown][] = [];
  if ('speedup' in t) entries.push(['speedup', t.speedup]);
  if ('latencyMs' in t) entries.push(['latency', t.latencyMs]);
  if ('bytes' in t) entries.push(['bytes', t.bytes]);
  if (entries.length !== 1) throw new TypeError('opts.target: expected exactly one of { speedup }, { latencyMs } or { bytes }');
  const [kind, value] = entries[0] as [typeof entries[number][0], unknown];
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value))
    throw new RangeError(`opts.target.${kind === 'latency' ? 'latencyMs' : kind}: expected a positive number, got ${String(value)}`);
  if (kind === 'speedup' && value <= 1) throw new RangeError(`opts.target.speedup: expected a number > 1, got ${value}`);
  return { kind, value };
}

/** Validates a target early (compress's option check), so a bad one fails before any work. */
export function validateTarget(t: unknown): void {
  if (typeof t !== 'object' || t === null) throw new TypeError('opts.target: expected an object');
  checkTarget(t as CompressTarget);
}

