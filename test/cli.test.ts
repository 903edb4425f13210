// The gsparse CLI as a user runs it: node dist/cli.js (rebuilt first when lib/ is newer than dist/).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { float32ToTensor, readSafetensors, writeSafetensors } from '../lib/index.js';
import { buildModel, decode, floatInit, node, value } from './helpers/onnx-build.js';
import { randn } from './helpers/reference.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return t;
}

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GSPARSE_DEBUG: '' }, timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp = '';

beforeAll(async () => {
  // Test what `npx gsparse` runs. npm install builds dist (prepare); rebuild here only when stale.
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newestMtime(join(ROOT, 'lib'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
  }
  tmp = await mkdtemp(join(tmpdir(), 'gsparse-cli-'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('gsparse --help and --version', () => {
  it('dist/cli.js is an executable node script', () => {
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--help lists the commands', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: gsparse/);
    expect(r.stdout).toMatch(/profile/);
    expect(r.stdout).toMatch(/info/);
  });

  it.each([['profile', ['--shapes', '--patterns', '--sparsities', '--batches', '--backend', '--out', '--quick', '--json', '--regime']], ['info', ['--json']]])(
    '%s --help lists its options', (cmd, options) => {
      const r = run(cmd, '--help');
      expect(r.code).toBe(0);
      for (const o of options) expect(r.stdout).toContain(o);
    });

  it('-V prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run('-V')).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('no command: usage on stderr, exit 2', () => {
    const r = run();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: gsparse/);
  });
});

describe('bad arguments: one clear line, exit 2, no stack trace', () => {
  it.each([
    [['profile', '--sparsities', '1.5'], /--sparsities.*1\.5.*\(0, 1\)/],
    [['profile', '--sparsities', 'abc'], /--sparsities.*abc/],
    [['profile', '--batches', '0'], /--batches.*'0'/],
    [['profile', '--shapes', '768y3072'], /--shapes.*ROWSxCOLS.*768y3072/],
    [['profile', '--patterns', 'gs:7'], /--patterns.*banks.*7/],
    [['profile', '--patterns', 'sparse'], /--patterns.*'sparse'/],
    [['profile', '--backend', 'gpu'], /--backend.*cpu, cuda, auto/],
    [['profile', '--regime', 'warm'], /--regime.*hot, cold/],
    [['profile', '--min-retained', '2'], /--min-retained.*\[0, 1\]/],
    [['profile', '--bogus'], /unknown option '--bogus'/],
    [['profile', '--out'], /--out.*argument missing/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['compress', 'm.onnx'], /exactly one of --sparsity, --speedup, --latency-ms, --size; got none/],
    [['compress', 'm.onnx', '--sparsity', '0.9', '--speedup', '2'], /exactly one of .*got --sparsity, --speedup/],
    [['compress', 'm.onnx', '--size', '40XB'], /--size.*40MB/],
    [['compress', 'm.onnx', '--sparsity', '1.5'], /--sparsity.*1\.5/],
    [['compress', 'm.onnx', '--sparsity', '0.9', '--patterns', 'gs:7'], /--patterns.*banks.*7/],
    [['compress', '--sparsity', '0.9'], /missing required argument 'input'/],
  ])('%j', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^gsparse/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a library error (cuda unavailable) is one line and exit 1', () => {
    const info = JSON.parse(run('info', '--json').stdout) as { backends: { name: string; available: boolean }[] };
    if (info.backends.find((b) => b.name === 'cuda')?.available) return; // nothing to provoke on a GPU machine
    const r = run('profile', '--backend', 'cuda', '--quick', '--out', join(tmp, 'never'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gsparse: GsparseError E_BACKEND: backend cuda is unavailable/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });

  it.each([
    ['under /proc (where Node\'s recursive mkdir never settles)', '/proc/gsparse-no/such', /ENOENT.*'\/proc\/gsparse-no'/],
    ['through a file', 'package.json/out', /ENOTDIR/],
  ])('an --out folder that cannot be made fails at once: %s', (_what, out, message) => {
    const started = Date.now();
    const r = run('profile', '--quick', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(30_000); // not a hang cut by the 120 s spawn timeout
  });
});

describe('gsparse info', () => {
  it('shows ISA, threads, banks and every backend with its reason', () => {
    const r = run('info');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ISA\s+(avx512|avx2|scalar)/);
    expect(r.stdout).toMatch(/threads\s+\d+/);
    expect(r.stdout).toMatch(/GS banks\s+(8|16)/);
    expect(r.stdout).toMatch(/cpu\s+available/);
    expect(r.stdout).toMatch(/cuda\s+(available|unavailable)\s+\S/);
  });

  it('--json is machine-readable', () => {
    const j = JSON.parse(run('info', '--json').stdout) as { hardware: { simd: string; recommendedBanks: number }; backends: unknown[] };
    expect(['avx512', 'avx2', 'scalar']).toContain(j.hardware.simd);
    expect(j.backends.length).toBeGreaterThanOrEqual(1);
  });
});

describe('gsparse profile (tiny)', () => {
  const tiny = ['--shapes', '64x128,128x64', '--patterns', 'csr,gs:16,2:4', '--sparsities', '0.5,0.9', '--batches', '1,2', '--repeats', '2'];

  it('prints the table and writes report.json, report.html and the SVGs', () => {
    const out = join(tmp, 'report');
    const r = run('profile', ...tiny, '--out', out);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^layer\s+shape\s+batch\s+dense ms\s+csr\s+gs:16\s+2:4@50%\s+pick$/m);
    expect(r.stdout).toMatch(/^64x128\s+64x128\s+1\s/m);
    expect(r.stdout).toContain(`Report: ${join(out, 'report.html')}`);
    expect(r.stdout).not.toMatch(/\u001b\[/); // NO_COLOR
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { results: unknown[]; recommendations: unknown[] };
    expect(report.results).toHaveLength(2 * (2 + 4 + 4 + 2)); // dense, csr x2, gs x2, 2:4; x2 batches
    expect(report.recommendations).toHaveLength(2 * 2 * 2);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(readdirSync(out).sort()).toEqual(['pareto.svg', 'report.html', 'report.json', 'speedup-vs-sparsity.svg', 'time-vs-batch.svg']);
  });

  it('--json prints the report on stdout', () => {
    const r = run('profile', ...tiny, '--json', '--out', join(tmp, 'json'));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { version: number; results: { pattern: string }[]; minRetained: number; regime: string };
    expect(j.version).toBe(1);
    expect(j.minRetained).toBe(0.97);
    expect(new Set(j.results.map((x) => x.pattern))).toEqual(new Set(['dense', 'csr', 'gs:16', '2:4']));
    expect(j.regime).toBe('hot');
  });

  it('--regime cold times every call after a cache flush, and says so', () => {
    const r = run('profile', '--shapes', '64x128', '--patterns', 'csr', '--sparsities', '0.9', '--batches', '1', '--repeats', '2',
      '--regime', 'cold', '--out', join(tmp, 'cold'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gsparse profile: .*, cold caches \(flushed before every call\)$/m);
    const j = JSON.parse(readFileSync(join(tmp, 'cold', 'report.json'), 'utf8')) as { regime: string };
    expect(j.regime).toBe('cold');
  });
});

describe('gsparse compress', () => {
  /** X [n, 64] -> MatMul(B1 [64, 48]) -> Relu -> MatMul(B2 [48, 32]) -> Y, written to tmp. */
  async function modelFile(): Promise<string> {
    const file = join(tmp, 'mlp.onnx');
    await writeFile(file, buildModel({
      nodes: [node('MatMul', ['X', 'B1'], ['h'], {}, 'fc1'), node('Relu', ['h'], ['r']), node('MatMul', ['r', 'B2'], ['Y'], {}, 'fc2')],
      inputs: [value('X', ['n', 64])],
      outputs: [value('Y', ['n', 32])],
      initializers: [floatInit('B1', [64, 48], randn(64 * 48, 1)), floatInit('B2', [48, 32], randn(48 * 32, 2))],
    }));
    return file;
  }

  it('an ONNX model: table per layer, IN.gsparse.onnx and the pruned model written', async () => {
    const input = await modelFile();
    const pruned = join(tmp, 'mlp.pruned.onnx');
    const r = run('compress', input, '--sparsity', '0.75', '--patterns', 'csr', '--pruned-out', pruned);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^layer\s+shape\s+pattern\s+sparsity\s+bytes/m);
    expect(r.stdout).toMatch(/^fc1\s+48x64\s+csr\s+75\.0%/m);
    expect(r.stdout).toMatch(/^fc2\s+32x48\s+csr\s+75\.0%/m);
    const ops = decode(readFileSync(join(tmp, 'mlp.gsparse.onnx'))).graph?.node?.map((n) => n.opType);
    expect(ops).toEqual(['SparseLinear', 'SparseLinear']);
    expect(decode(readFileSync(pruned)).graph?.node?.map((n) => n.opType)).toEqual(['MatMul', 'Relu', 'MatMul']);
  });

  it('--json with a choice of patterns: each layer says what was picked and why', async () => {
    const input = await modelFile();
    const r = run('compress', input, '--sparsity', '0.9', '--patterns', 'csr,gs:16', '--batch', '4', '--json', '--out', join(tmp, 'j.onnx'));
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { model: string; layers: { name: string; pattern: string; why: string; speedup: number }[] };
    expect(j.model).toBe(join(tmp, 'j.onnx'));
    expect(j.layers.map((l) => l.name)).toEqual(['fc1', 'fc2']);
    for (const l of j.layers) {
      expect(['csr', 'gs:16', 'gs:16:permute', 'dense']).toContain(l.pattern);
      expect(l.why.length).toBeGreaterThan(10);
      expect(l.speedup).toBeGreaterThan(0);
    }
  });

  it('a safetensors weights file: packed layers and masks written, other tensors reported as skipped', async () => {
    const input = join(tmp, 'w.safetensors');
    await writeFile(input, writeSafetensors({
      'fc.weight': float32ToTensor(randn(32 * 64, 3), [32, 64], 'F32'),
      'fc.bias': float32ToTensor(randn(32, 4), [32], 'F32'),
    }));
    const r = run('compress', input, '--sparsity', '0.5', '--patterns', 'gs:16');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fc\.weight\s+32x64\s+gs:16\s+50\.0%/m);
    expect(r.stdout).toMatch(/^fc\.bias\s+32\s+-.*2-D/m);
    const masks = readSafetensors(readFileSync(join(tmp, 'w.masks.safetensors')));
    expect(masks.tensors.get('fc.weight')?.shape).toEqual([32, 64]);
    const ones = [...(masks.tensors.get('fc.weight')?.data ?? [])].filter((v) => v === 1).length;
    expect(Math.abs(ones / (32 * 64) - 0.5)).toBeLessThan(0.02); // GS rounds to whole packs
    expect(readSafetensors(readFileSync(join(tmp, 'w.gsparse.safetensors'))).tensors.has('fc.weight')).toBe(true);
  });

  it('profile MODEL: the compressed model against onnxruntime on the dense one, per sparsity', async () => {
    const input = await modelFile();
    const r = run('profile', input, '--dims', 'n=4', '--sparsities', '0.5,0.9', '--patterns', 'csr', '--rounds', '2', '--runs', '2', '--json');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { feeds: { name: string; dims: number[] }[]; denseMs: number;
      rows: { sparsity: number; ms: number; speedup: number; roundSpeedups: number[]; layers: { pattern?: string }[] }[] };
    expect(j.feeds).toEqual([{ name: 'X', type: 'float32', dims: [4, 64] }]);
    expect(j.denseMs).toBeGreaterThan(0);
    expect(j.rows.map((x) => x.sparsity)).toEqual([0.5, 0.9]);
    for (const row of j.rows) {
      expect(row.ms).toBeGreaterThan(0);
      expect(row.roundSpeedups).toHaveLength(2);
      expect(row.layers.map((l) => l.pattern)).toEqual(['csr', 'csr']);
    }
    const text = run('profile', input, '--dims', 'n=4', '--sparsities', '0.9', '--patterns', 'csr', '--rounds', '1', '--runs', '2');
    expect(text.stdout).toMatch(/onnxruntime-node dense at its defaults/);
    expect(text.stdout).toMatch(/^90%\s+\S+\s+\S+x\s+.*csr x2$/m);
  });

  it('profile MODEL without a value for a symbolic dim names it', async () => {
    const r = run('profile', await modelFile(), '--sparsities', '0.9');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/input 'X' has the symbolic dim 'n'.*--dims n=N/);
  });

  it('--size: a whole-model target, its summary and its report', async () => {
    const input = await modelFile();
    const report = join(tmp, 'budget');
    const r = run('compress', input, '--size', '12KB', '--patterns', 'csr', '--report', report, '--out', join(tmp, 'sized.onnx'));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Target size 11\.7 KiB: met; try 1: predicted .*, measured /m);
    expect(readFileSync(join(tmp, 'sized.onnx')).length).toBeLessThanOrEqual(12000);
    expect(readdirSync(report).sort()).toEqual(['budget.html', 'budget.json']);
  });

  it('a file that is not ONNX is one line, exit 1', async () => {
    const bad = join(tmp, 'bad.onnx');
    await writeFile(bad, 'not a model');
    const r = run('compress', bad, '--sparsity', '0.5');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gsparse: GsparseError E_CORRUPT/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
