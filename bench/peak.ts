// The FMA peak batched rows are compared with: one core's rate measured by the native microbenchmark's
// --peak mode (native/tests/microbench.cc: a loop of 12 independent register FMAs on the widest vectors
// the CPU has, best of 7 trials of ~0.1 s; JavaScript cannot issue vector FMAs) x gsparse's threads.
// One core, scaled: on a shared machine a second busy core would make an all-threads run measure the
// other tenants instead of the hardware.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Peak {
  /** fp32 GFLOP/s of `threads` threads (2 flops per lane per FMA), or null when unknown. */
  gflops: number | null;
  /** Where the figure comes from (the microbench's line, the command line, or why it is missing). */
  source: string;
}

const MICROBENCH = fileURLToPath(new URL('../build/native-tests/gsparse_microbench', import.meta.url));

/** threads x one core's `gsparse_microbench --peak` rate; null figure when the microbench is not built. */
export function measurePeak(threads: number): Peak {
  if (!existsSync(MICROBENCH))
    return { gflops: null, source: 'not measured: build the native microbench (npm run build:native) or pass --peak-gflops' };
  const out = execFileSync(MICROBENCH, ['--peak'], { env: { ...process.env, GSPARSE_NUM_THREADS: '1' }, encoding: 'utf8' }).trim();
  const m = /([\d.]+) GFLOP\/s/.exec(out);
  if (!m) return { gflops: null, source: `not measured: unexpected output '${out}'` };
  return { gflops: threads * Number(m[1]), source: `${threads} x one core: ${out}` };
}
