// GSPARSE_* settings that cannot be honoured are said once, naming the valid values, instead of
// being silently ignored (issue 10, point 5). Each case loads the package in a fresh process.
import { describe, expect, it } from 'vitest';
import { runNode } from './helpers/run-node.js';

const root = new URL('..', import.meta.url);
const probe = `import('${new URL('dist/index.js', root).href}').then((g) => console.log(JSON.stringify(g.hardware())))`;

async function load(env: Record<string, string>) {
  const base = { ...process.env };
  delete base.GSPARSE_ISA;
  delete base.GSPARSE_NUM_THREADS;
  const r = await runNode(['-e', probe], 60_000, { ...base, ...env });
  expect(r.status, r.detail).toBe(0);
  const hw = JSON.parse(r.stdout.trim()) as { simd: string; threads: number };
  const warnings = r.stderr.split('\n').filter((l) => l.includes('GSPARSE_'));
  return { hw, warnings, stderr: r.stderr };
}

describe('environment settings', () => {
  it('an unknown GSPARSE_ISA is a warning naming the valid values, and the detected ISA is used', async () => {
    const plain = await load({});
    const r = await load({ GSPARSE_ISA: 'sse' });
    expect(r.warnings.join('\n')).toMatch(/GSPARSE_ISA='sse' is not one of scalar, avx2, avx512/);
    expect(r.warnings).toHaveLength(1);
    expect(r.hw.simd).toBe(plain.hw.simd);
    expect(plain.warnings).toEqual([]);
  });

  it.each(['2.5', '0', '-3', 'four', '5000'])('GSPARSE_NUM_THREADS=%s is a warning and the core count is used', async (v) => {
    const plain = await load({});
    const r = await load({ GSPARSE_NUM_THREADS: v });
    expect(r.warnings.join('\n')).toContain(`GSPARSE_NUM_THREADS='${v}' is not an integer in 1..1024`);
    expect(r.hw.threads).toBe(plain.hw.threads);
  });

  it('valid settings load silently and take effect', async () => {
    const r = await load({ GSPARSE_ISA: 'scalar', GSPARSE_NUM_THREADS: '3' });
    expect(r.warnings).toEqual([]);
    expect(r.hw).toMatchObject({ simd: 'scalar', threads: 3 });
  });
});
