// import 'gsparse' stays small: it loads neither the profiler nor the optional packages only the CLI
// and its report use (vega, vega-lite, commander, cli-progress), checked in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { missingPackagesMessage, requireOptional } from '../lib/optional.js';

const OPTIONAL = ['vega', 'vega-lite', 'commander', 'cli-progress'];
const tmp = mkdtempSync(join(tmpdir(), 'gsparse-imports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every module a child process loads when it imports `entry` (lib/ through tsx): ESM URLs and CJS files. */
function modulesLoadedBy(entry: string): string[] {
  const record = join(tmp, `${entry.replace(/\W/g, '_')}.txt`);
  const url = new URL(`../lib/${entry}`, import.meta.url).href;
  const script = `await import(${JSON.stringify(url)});
const { createRequire } = await import('node:module');
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const r = spawnSync(process.execPath, [
    '--import', 'tsx', '--import', fileURLToPath(new URL('./helpers/record-imports.mjs', import.meta.url)),
    '--input-type=module', '-e', script,
  ], { encoding: 'utf8', env: { ...process.env, GSPARSE_RECORD_IMPORTS: record }, timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const cjs = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[];
  return [...readFileSync(record, 'utf8').trim().split('\n'), ...cjs];
}

const fromPackage = (mods: string[], name: string): string[] => mods.filter((m) => m.includes(`/node_modules/${name}/`));

describe("import 'gsparse'", () => {
  it('loads the kernels without the profiler or any optional package', () => {
    const mods = modulesLoadedBy('index.ts');
    expect(mods.some((m) => m.endsWith('/lib/native.ts'))).toBe(true); // the recorder sees our own modules
    expect(mods.some((m) => m.includes('/node_modules/node-gyp-build/'))).toBe(true); // and CJS requires
    for (const name of OPTIONAL) expect(fromPackage(mods, name), name).toEqual([]);
    expect(mods.filter((m) => m.includes('/lib/profile/'))).toEqual([]);
  });

  it("gsparse/profile runs without them too; only the report's charts load vega", () => {
    const mods = modulesLoadedBy('profile/index.ts');
    expect(mods.some((m) => m.endsWith('/lib/profile/profile.ts'))).toBe(true);
    for (const name of OPTIONAL) expect(fromPackage(mods, name), name).toEqual([]);
    // The same recorder does see vega where it is used, so the checks above can fail.
    const charts = modulesLoadedBy('profile/charts.ts');
    expect(fromPackage(charts, 'vega').length).toBeGreaterThan(0);
    expect(fromPackage(charts, 'vega-lite').length).toBeGreaterThan(0);
  });
});

describe('a missing optional package', () => {
  it('is named, with the npm install command and the range package.json asks for', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { optionalDependencies: Record<string, string> };
    expect(missingPackagesMessage('the report', ['vega', 'vega-lite'])).toBe(
      'the report needs the optional packages vega, vega-lite, which are not installed (npm skips optional dependencies ' +
      `with --omit=optional); install with: npm install vega@${pkg.optionalDependencies.vega} vega-lite@${pkg.optionalDependencies['vega-lite']}`);
    await expect(requireOptional('the thing', ['commander', 'gsparse-no-such-package'])).rejects.toThrow(
      /^the thing needs the optional package gsparse-no-such-package, which is not installed .*npm install gsparse-no-such-package$/);
    await expect(requireOptional('the thing', OPTIONAL)).resolves.toBeUndefined();
  });
});
