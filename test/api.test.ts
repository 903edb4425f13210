import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { backends, hardware, pack, setThreads } from '../lib/index.js';
import { matmulRef, randn, scaledErr } from './helpers/reference.js';
import { weightsFor } from './helpers/util.js';

/** CPU flags from /proc/cpuinfo (Linux x86), or null where unavailable. */
function cpuFlags(): Set<string> | null {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('flags'));
    return line ? new Set(line.split(':')[1].trim().split(/\s+/)) : null;
  } catch {
    return null;
  }
}

const hasNvidiaDevice = (() => {
  try {
    readFileSync('/proc/driver/nvidia/version');
    return true;
  } catch {
    return false;
  }
})();

describe('backends()', () => {
  const list = backends();

  it('lists cpu as available', () => {
    expect(Array.isArray(list)).toBe(true);
    const cpu = list.find((b) => b.name === 'cpu');
    expect(cpu).toBeDefined();
    expect(cpu!.available).toBe(true);
    expect(typeof cpu!.detail).toBe('string');
  });

  it('has a cuda entry', () => {
    const cuda = list.find((b) => b.name === 'cuda');
    expect(cuda).toBeDefined();
    expect(typeof cuda!.available).toBe('boolean');
    expect(typeof cuda!.detail).toBe('string');
    for (const b of list) expect(['cpu', 'cuda']).toContain(b.name);
  });

  it.skipIf(hasNvidiaDevice)('cuda is unavailable here (no NVIDIA driver) and says why', () => {
    const cuda = list.find((b) => b.name === 'cuda')!;
    expect(cuda.available).toBe(false);
    expect(cuda.detail.trim().length).toBeGreaterThan(0);
  });
});

describe('hardware()', () => {
  const hw = hardware();
  const flags = cpuFlags();

  it('has the documented fields', () => {
    expect(['avx512', 'avx2', 'scalar']).toContain(hw.simd);
    expect(Number.isInteger(hw.threads)).toBe(true);
    expect(hw.threads).toBeGreaterThanOrEqual(1);
    expect(hw.recommendedBanks).toBe(hw.simd === 'avx512' ? 16 : 8);
  });

  it.skipIf(!flags)('simd matches /proc/cpuinfo', () => {
    const f = flags!;
    const want = f.has('avx512f') ? 'avx512' : f.has('avx2') && f.has('fma') ? 'avx2' : 'scalar';
    expect(hw.simd).toBe(want);
  });

  it('threads defaults to the core count (unless GSPARSE_NUM_THREADS is set)', () => {
    const env = process.env.GSPARSE_NUM_THREADS;
    if (env) expect(hw.threads).toBe(Number(env));
    else expect(hw.threads).toBe(os.availableParallelism());
  });

  it.skipIf(hasNvidiaDevice)('no cuda field without a GPU', () => {
    expect(hw.cuda).toBeUndefined();
  });
});

describe('GSPARSE_NUM_THREADS', () => {
  it('sets the default thread count of a fresh process', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', `import(${JSON.stringify(new URL('../lib/index.ts', import.meta.url).href)}).then((m) => console.log('threads=' + m.hardware().threads))`],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', env: { ...process.env, GSPARSE_NUM_THREADS: '1' }, timeout: 60_000 },
    );
    expect(r.stdout, r.stderr).toContain('threads=1');
  });
});

describe('setThreads', () => {
  it('setThreads(1): matmul still correct; restore', async () => {
    const original = hardware().threads;
    const rows = 300;
    const cols = 500;
    const sm = pack(weightsFor(rows, cols, 'threads'), [rows, cols], { pattern: 'gs:16', sparsity: 0.5 });
    const dense = sm.toDense();
    const x = randn(16 * cols, 4);
    const ref = matmulRef(dense, rows, cols, x, 16);
    try {
      setThreads(1);
      expect(scaledErr(sm.matmul(x, 16), ref).maxErr).toBeLessThanOrEqual(1e-5);
      expect(scaledErr(await sm.matmulAsync(x, 16), ref).maxErr).toBeLessThanOrEqual(1e-5);
      const one = pack(dense, [rows, cols], { pattern: 'csr' }); // packing on one thread
      expect(scaledErr(one.matmul(x, 16), ref).maxErr).toBeLessThanOrEqual(1e-5);
      one.dispose();
      setThreads(3); // more threads than cores is allowed
      expect(scaledErr(sm.matmul(x, 16), ref).maxErr).toBeLessThanOrEqual(1e-5);
    } finally {
      setThreads(original);
    }
    expect(hardware().threads).toBe(original);
    expect(scaledErr(sm.matmul(x, 16), ref).maxErr).toBeLessThanOrEqual(1e-5);
    sm.dispose();
  });

  it('hardware().threads reports the setting', () => {
    const original = hardware().threads;
    try {
      setThreads(1);
      expect(hardware().threads).toBe(1);
      setThreads(2);
      expect(hardware().threads).toBe(2);
    } finally {
      setThreads(original);
    }
  });
});
