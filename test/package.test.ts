// The package as a user gets it: `npm pack` (its prepack builds the prebuilt binary), installed into an
// empty app with --ignore-scripts --omit=optional, so no install script, no compiler and none of the
// optional packages. The app imports gsparse, checks matmuls against a plain-JS reference and runs
// every shipped example. Needs the npm registry (the app's runtime dependencies) and, for prepack, a C++
// compiler plus Node's headers (the running Node's own, or npm_config_nodedir).
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildModel, floatInit, node, value } from './helpers/onnx-build.js';
import { matmulRef, randn, scaledErr } from './helpers/reference.js';

const ROOT = join(import.meta.dirname, '..');
const OPTIONAL = ['vega', 'vega-lite', 'commander', 'cli-progress'];
const TOL = 1e-5; // scaled error, as in matmul.test.ts (test/helpers/reference.ts)
const DEV_BUILD = join(ROOT, 'build', 'Release', 'gsparse.node');

let tmp = '';
let app = '';
let installed = '';
let tarballFiles: string[] = [];
let devBuildMtime: number | undefined;

function run(cmd: string, args: string[], cwd: string, timeoutS = 120): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

/** run() without blocking the event loop (vitest's worker must keep answering during minutes of npm pack). */
function runAsync(cmd: string, args: string[], cwd: string, timeoutS: number): Promise<SpawnSyncReturns<string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, timeout: timeoutS * 1000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ pid: child.pid ?? 0, output: [], stdout, stderr, status, signal }));
  });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what} failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  devBuildMtime = existsSync(DEV_BUILD) ? statSync(DEV_BUILD).mtimeMs : undefined;
  tmp = mkdtempSync(join(tmpdir(), 'gsparse-package-'));
  ok(await runAsync('npm', ['pack', '--pack-destination', tmp], ROOT, 900), 'npm pack');
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  expect(tgz, 'npm pack wrote no tarball').toBeDefined();
  const tarball = join(tmp, tgz!);
  tarballFiles = ok(run('tar', ['-tzf', tarball], tmp), 'tar -t').trim().split('\n');

  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`);
  ok(await runAsync('npm', ['install', '--ignore-scripts', '--omit=optional', '--no-audit', '--no-fund', tarball], app, 300), 'npm install <tarball>');
  installed = join(app, 'node_modules', 'gsparse');
}, 1_200_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the prebuilt binary, the compiled API, the profile entry, the examples and the build-from-source fallback', () => {
    const has = (f: string): boolean => tarballFiles.includes(`package/${f}`);
    expect(has(`prebuilds/${process.platform}-${process.arch}/gsparse.node`), tarballFiles.filter((f) => f.includes('prebuilds')).join(', ')).toBe(true);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/profile/index.js', 'dist/cli.js', 'examples/prune-and-run.mjs',
      'scripts/install.cjs', 'binding.gyp', 'native/addon/addon.cc', 'package.json', 'README.md'])
      expect(has(f), f).toBe(true);
    const devOnly = tarballFiles.filter((f) => /^package\/(build|build-prebuild|test|bench|native\/tests|node_modules)\//.test(f));
    expect(devOnly).toEqual([]);
  });

  it('leaves the dev build that the tests load alone', () => {
    if (devBuildMtime === undefined) return; // no dev build to protect
    expect(statSync(DEV_BUILD).mtimeMs).toBe(devBuildMtime);
  });
});

describe('installed with --ignore-scripts --omit=optional', () => {
  it('has gsparse and its runtime dependencies, none of the optional packages, and no build', () => {
    const modules = readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'));
    // protobufjs (ONNX I/O) brings its own small packages, @types/node among them (it is a dependency of protobufjs).
    expect(modules.sort()).toEqual(['@protobufjs', '@types', 'gsparse', 'long', 'node-addon-api', 'node-gyp-build', 'protobufjs', 'undici-types']);
    expect(existsSync(join(installed, 'build'))).toBe(false);
  });

  it("imports 'gsparse' from the prebuilt binary, and matmul matches a plain-JS reference", () => {
    const rows = 37;
    const cols = 53;
    const batch = 3;
    const check = `
import { createRequire } from 'node:module';
import { hardware, pack } from 'gsparse';
const require = createRequire(import.meta.url);
const binary = require('node-gyp-build').resolve(${JSON.stringify(installed)});
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const w = Float32Array.from({ length: ${rows * cols} }, rand);
const x = Float32Array.from({ length: ${batch * cols} }, rand);
const cases = [];
for (const [pattern, sparsity] of [['dense'], ['csr', 0.5], ['gs:' + hardware().recommendedBanks, 0.75], ['2:4', 0.5]]) {
  const m = pack(w, [${rows}, ${cols}], sparsity === undefined ? { pattern } : { pattern, sparsity });
  cases.push({ pattern, dense: Array.from(m.toDense()), y: Array.from(m.matmul(x, ${batch})) });
  m.dispose();
}
console.log(JSON.stringify({ binary, w: Array.from(w), x: Array.from(x), cases }));
`;
    writeFileSync(join(app, 'check.mjs'), check);
    const out = JSON.parse(ok(run(process.execPath, ['check.mjs'], app), 'check.mjs')) as {
      binary: string; w: number[]; x: number[]; cases: { pattern: string; dense: number[]; y: number[] }[];
    };
    expect(out.binary).toBe(join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'gsparse.node'));
    expect(out.cases.map((c) => c.pattern.replace(/^gs:\d+$/, 'gs:B'))).toEqual(['dense', 'csr', 'gs:B', '2:4']);
    for (const c of out.cases) {
      // dense keeps W as given; the pruned ones are checked against their own dense form, which must
      // be W with some entries zeroed.
      expect(c.dense.every((v, i) => v === 0 || v === Math.fround(out.w[i]!)), c.pattern).toBe(true);
      if (c.pattern === 'dense') expect(c.dense).toEqual(out.w);
      else expect(c.dense.filter((v) => v === 0).length, c.pattern).toBeGreaterThan(rows * cols * 0.4);
      const e = scaledErr(c.y, matmulRef(c.dense, rows, cols, out.x, batch));
      expect(e.maxErr, `${c.pattern}: worst element ${e.worst}: got ${e.got}, want ${e.want}`).toBeLessThanOrEqual(TOL);
    }
  });

  it('runs every shipped example, copied into the app', () => {
    const examples = readdirSync(join(installed, 'examples')).filter((f) => f.endsWith('.mjs'));
    expect(examples.sort()).toEqual(readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.mjs')).sort());
    // The model example needs what its user has: onnxruntime-node (the optional peer; the dev copy,
    // linked in, rather than a second download) and an ONNX file, here a small MLP.
    for (const pkg of ['onnxruntime-node', 'onnxruntime-common']) symlinkSync(join(ROOT, 'node_modules', pkg), join(app, 'node_modules', pkg), 'dir');
    const hid = 96;
    writeFileSync(join(app, 'mlp.onnx'), buildModel({
      nodes: [node('MatMul', ['x', 'w1'], ['h']), node('Relu', ['h'], ['a']), node('MatMul', ['a', 'w2'], ['y'])],
      inputs: [value('x', [1, 64])],
      outputs: [value('y', [1, 10])],
      initializers: [floatInit('w1', [64, hid], randn(64 * hid, 1)), floatInit('w2', [hid, 10], randn(hid * 10, 2))],
    }));
    const args: Record<string, string[]> = { 'run-model.mjs': ['mlp.onnx', 'x', '1,64', '0.75', 'csr'] };
    for (const f of examples) {
      copyFileSync(join(installed, 'examples', f), join(app, f));
      const r = run(process.execPath, [f, ...(args[f] ?? [])], app, 300);
      ok(r, `node ${f}`);
      expect(r.stderr, f).toBe('');
      expect(r.stdout.length, f).toBeGreaterThan(0);
    }
  });

  it('the CLI names the optional packages it lacks and how to install them', () => {
    const r = run(process.execPath, [join(app, 'node_modules', '.bin', 'gsparse'), 'info'], app);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^gsparse: the command line needs the optional packages commander, cli-progress, which are not installed .*; install with: npm install commander@\S+ cli-progress@\S+\n$/);
  });

  it('without a usable binary, the load error says why and how to fix it', () => {
    const prebuilds = join(installed, 'prebuilds');
    const away = join(tmp, 'prebuilds-away');
    renameSync(prebuilds, away);
    try {
      const r = run(process.execPath, ['--input-type=module', '-e', "await import('gsparse')"], app);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`no native addon could be loaded for ${process.platform}-${process.arch}`);
      expect(r.stderr).toContain(`no prebuilt binary for it in ${installed}/prebuilds`);
      expect(r.stderr).toContain('its script did not run (installed with --ignore-scripts');
      expect(r.stderr).toContain('npm rebuild gsparse');
    } finally {
      renameSync(away, prebuilds);
    }
  });

  it('ships no optional package in dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['node-addon-api', 'node-gyp-build', 'protobufjs']);
    expect(Object.keys(pkg.optionalDependencies).sort()).toEqual([...OPTIONAL].sort());
  });
});
