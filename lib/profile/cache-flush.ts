// The cold regime's cache flush (measure.ts): an untimed read sweep larger than the last-level cache.

/** Default sweep: 512 MiB, above the dev VM's 300 MiB L3. */
export const FLUSH_BYTES = 512 * 2 ** 20;

/**
 * A flush for the cold regime: `bytes` of non-zero data (zero pages would all map to one physical page)
 * read once per call by a native memcmp of its two equal halves. Reads only, so no dirty lines are left
 * to write back during the timed call. It runs on the calling thread: other cores' private L2 may keep
 * a sliver of W (docs/benchmarks.md). The buffer lives as long as the returned function.
 */
export function makeFlush(bytes = FLUSH_BYTES): () => void {
  const buf = Buffer.alloc(bytes, 1);
  const half = Math.floor(bytes / 2);
  const a = buf.subarray(0, half);
  const b = buf.subarray(half, 2 * half);
  return () => {
    if (Buffer.compare(a, b) !== 0) throw new Error('flush buffer halves differ');
  };
}
