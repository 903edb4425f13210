// gsparse command line: `gsparse profile` (the profiler and its report, or a whole model), `gsparse compress`
// and `gsparse info`. Started by cli.ts once the optional packages it imports (commander, cli-progress) are there.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { type CompressFlags, runCompress } from './cli-compress.js';
import { type ProfileModelFlags, runProfileModel } from './cli-profile-model.js';
import { ProgressDisplay, type ProgressBar } from './cli-progress.js';
import { GsparseError, backends, hardware, parsePattern, patternToString } from './index.js';
import { requireOptional } from './optional.js';
import { profile } from './profile/index.js';
import { makeDir } from './profile/make-dir.js';
import { DEFAULT_SUITE, QUICK_SUITE, shapesToLayers } from './profile/suite.js';
import { renderTable, shouldColor } from './profile/table.js';
import type { ProfileProgress, Regime } from './profile/types.js';

/** Exit codes: 0 ok, 1 the run failed, 2 bad arguments. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function list(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list.');
  return items;
}

function parseShapes(value: string): string[] {
  const items = list(value);
  try {
    shapesToLayers(items);
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message}.`);
  }
  return items;
}

function parsePatterns(value: string): string[] {
  return list(value).map((p) => {
    try {
      return patternToString(parsePattern(p));
    } catch (e) {
      throw new InvalidArgumentError(`${(e as Error).message}.`);
    }
  });
}

function parseSparsities(value: string): number[] {
  return list(value).map((s) => {
    const x = Number(s);
    if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`expected sparsities in (0, 1) such as 0.5,0.9, got '${s}'.`);
    return x;
  });
}

function parseBatches(value: string): number[] {
  return list(value).map((s) => {
    const x = Number(s);
    if (!Number.isInteger(x) || x < 1 || x > 65536) throw new InvalidArgumentError(`expected batch sizes as integers in 1..65536, got '${s}'.`);
    return x;
  });
}

function parseDims(value: string): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const item of list(value)) {
    const m = /^([^=]+)=(\d+)$/.exec(item);
    if (!m) throw new InvalidArgumentError(`expected NAME=VALUE pairs such as batch=1,sequence=128, got '${item}'.`);
    dims[(m[1] as string).trim()] = Number(m[2]);
  }
  return dims;
}

function parsePositive(value: string): number {
  const x = Number(value);
  if (!(x > 0) || !Number.isFinite(x)) throw new InvalidArgumentError(`expected a positive number, got '${value}'.`);
  return x;
}

function parseSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KIB|MIB|GIB)?\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError(`expected a size such as 40MB, 35MiB or 1000000, got '${value}'.`);
  const unit = (m[2] ?? 'B').toUpperCase();
  const scale: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30 };
  return Math.floor(Number(m[1]) * (scale[unit] as number));
}

function parseSparsity(value: string): number {
  const x = Number(value);
  if (!(x >= 0 && x < 1)) throw new InvalidArgumentError(`expected a sparsity in [0, 1) such as 0.9, got '${value}'.`);
  return x;
}

function parsePatternChoice(value: string): string[] | undefined {
  return value.trim().toLowerCase() === 'auto' ? undefined : parsePatterns(value);
}

function parseFraction(value: string): number {
  const x = Number(value);
  if (!(x >= 0 && x <= 1)) throw new InvalidArgumentError(`expected a number in [0, 1], got '${value}'.`);
  return x;
}

function parseCount(value: string): number {
  const x = Number(value);
  if (!Number.isInteger(x) || x < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'.`);
  return x;
}

interface ProfileFlags {
  shapes?: string[];
  patterns?: string[];
  sparsities?: number[];
  batches?: number[];
  backend: 'cpu' | 'cuda' | 'auto';
  out: string;
  quick?: boolean;
  json?: boolean;
  minRetained: number;
  repeats?: number;
  dtype: 'f32' | 'f16';
  seed: number;
  regime: Regime;
}

async function runProfile(flags: ProfileFlags): Promise<void> {
  const suite = flags.quick ? QUICK_SUITE : DEFAULT_SUITE;
  const layers = flags.shapes ? shapesToLayers(flags.shapes) : suite.layers;
  const display = new ProgressDisplay(flags.json === true);
  let bar: ProgressBar | undefined;
  const started = Date.now();
  const onProgress = (p: ProfileProgress): void => {
    const what = `${p.layer}${p.pattern ? ` ${p.pattern}` : ''}${p.pattern && p.sparsity ? ` @${Math.round(p.sparsity * 100)}%` : ''} (${p.stage})`;
    bar ??= display.bar('profile', p.total);
    bar.update(p.done, what);
  };
  const wanted = backends().find((b) => b.name === flags.backend);
  if (wanted && !wanted.available) throw new GsparseError(`backend ${wanted.name} is unavailable: ${wanted.detail}`, 'E_BACKEND');
  const out = resolve(flags.out);
  await makeDir(out); // fail before minutes of profiling, not after
  await requireOptional('the profile report (its charts)', ['vega', 'vega-lite']);
  try {
    const report = await profile({
      layers,
      ...(flags.patterns ? { patterns: flags.patterns } : {}),
      sparsities: flags.sparsities ?? suite.sparsities,
      batches: flags.batches ?? suite.batches,
      backends: [flags.backend],
      dtype: flags.dtype,
      seed: flags.seed,
      regime: flags.regime,
      ...(flags.repeats ? { maxRepeats: flags.repeats } : {}),
      onProgress,
    });
    bar?.update(bar.total, `${report.results.length} runs`);
    const chartsBar = display.bar('report ', 1);
    const { reportFile, writeReport } = await import('./profile/report.js'); // vega loads only when needed
    const written = await writeReport(report, out, flags.minRetained);
    chartsBar.update(1, `${written.svgs.length} charts`);
    display.stop();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(reportFile(report, flags.minRetained), null, 2)}\n`);
    } else {
      process.stdout.write(`${renderTable(report, { color: shouldColor(process.stdout), minRetained: flags.minRetained })}\n\n`);
      process.stdout.write(`Report: ${written.html} (and report.json, ${written.svgs.length} SVG charts) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    display.stop();
  }
}

function runInfo(flags: { json?: boolean }): void {
  const hw = hardware();
  const bs = backends();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ version: version(), hardware: hw, backends: bs, node: process.version }, null, 2)}\n`);
    return;
  }
  const env = process.env.GSPARSE_NUM_THREADS;
  const lines = [
    `gsparse ${version()}  (Node ${process.version}, ${process.platform}-${process.arch})`,
    `ISA       ${hw.simd}${process.env.GSPARSE_ISA ? ` (GSPARSE_ISA=${process.env.GSPARSE_ISA})` : ''}`,
    `threads   ${hw.threads}${env ? ` (GSPARSE_NUM_THREADS=${env})` : ' (set GSPARSE_NUM_THREADS to change)'}`,
    `GS banks  ${hw.recommendedBanks} on the CPU${hw.cuda ? `, ${hw.cuda.banks} on the GPU` : ''}  -> profile candidates gs:${hw.recommendedBanks}, gs:${hw.recommendedBanks}x4`,
    ...(hw.cuda ? [`GPU       ${hw.cuda.name}, ${hw.cuda.smCount} SMs, ${hw.cuda.sharedMemPerBlock} B shared memory per block`] : []),
    'backends',
    ...bs.map((b) => `  ${b.name.padEnd(5)} ${(b.available ? 'available' : 'unavailable').padEnd(12)} ${b.detail}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Commander's error text as one line, prefixed with the command and ending with where help is. */
function oneLine(prefix: string, str: string): string {
  const text = str.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  return `${prefix}: ${text} (see ${prefix} --help)\n`;
}

function buildProgram(): Command {
  const program = new Command('gsparse');
  program
    .description('Hardware-aware sparse runtime: profile sparsity patterns on this machine and pick the fastest per layer.')
    .version(version(), '-V, --version')
    .configureOutput({ outputError: (str, write) => write(oneLine('gsparse', str)) })
    .exitOverride();

  program.command('profile')
    .description('Time every candidate pattern against dense on each layer, score its quality, recommend one per layer, ' +
      'print a table and write report.json + report.html. With no options: an embedded suite of real-world layers. ' +
      'With MODEL.onnx: the whole model compressed at each sparsity against the dense model on onnxruntime-node.')
    .argument('[model]', 'an ONNX model: time it end to end, dense vs compressed (--sparsities, --patterns, --dims)')
    .option('--dims <list>', 'model: a value for each symbolic input dim, e.g. batch=1,sequence=128', parseDims)
    .option('--calibration <files>', 'model: sample feeds (safetensors, one feed record per file) for compress', list)
    .option('--rounds <n>', 'model: timed rounds per contender (default 5)', parseCount)
    .option('--runs <n>', 'model: runs per round (default 10)', parseCount)
    .option('--shapes <list>', 'layer shapes ROWSxCOLS (out x in), e.g. 768x3072,4096x4096 (default: the embedded suite)', parseShapes)
    .option('--patterns <list>', 'candidate patterns, e.g. csr,gs:16,2:4 (default: dense,csr,block:4x1,2:4,gs:B,gs:Bx4,channel; B from the hardware)', parsePatterns)
    .option('--sparsities <list>', 'target sparsities in (0, 1) (default: 0.5,0.75,0.9,0.95)', parseSparsities)
    .option('--batches <list>', 'batch sizes (default: 1,16,64)', parseBatches)
    .addOption(new Option('--backend <name>', 'backend to time').choices(['cpu', 'cuda', 'auto']).default('auto'))
    .option('--out <dir>', 'report folder', './gsparse-report')
    .option('--quick', 'a small suite that runs in seconds')
    .option('--json', 'print the report JSON on stdout instead of the table')
    .option('--min-retained <x>', 'quality bound: retained magnitude vs unstructured', parseFraction, 0.97)
    .option('--repeats <n>', 'at most this many timed runs per measurement', parseCount)
    .addOption(new Option('--dtype <dtype>', 'weight storage').choices(['f32', 'f16']).default('f32'))
    .option('--seed <n>', 'seed of the generated weights', parseCount, 1)
    .addOption(new Option('--regime <regime>', 'caches at each timed call: hot (W left there by the previous call) or cold ' +
      '(flushed before every call by a 512 MiB read sweep, untimed; slower to run)').choices(['hot', 'cold']).default('hot'))
    .action(async (model: string | undefined, flags: ProfileFlags & ProfileModelFlags) =>
      (model === undefined ? runProfile(flags) : runProfileModel(model, flags)));

  program.command('compress')
    .description('Compress an ONNX model (each constant-weight MatMul / Gemm becomes a gsparse SparseLinear node; ' +
      'per-layer pattern choice timed on this machine) or a safetensors weights file (pruned weights, masks, packed layers).')
    .argument('<input>', 'model.onnx or weights.safetensors')
    .option('--sparsity <s>', 'fraction of zeros per layer, e.g. 0.9 (or a whole-model target: --speedup, --latency-ms, --size)', parseSparsity)
    .option('--speedup <x>', 'target: this many times faster than onnxruntime-node on the dense model, end to end (needs --dims)', parsePositive)
    .option('--latency-ms <ms>', 'target: at most this many ms per run, end to end (needs --dims)', parsePositive)
    .option('--size <bytes>', 'target: the compressed model at most this big, e.g. 40MB, 35MiB, 1000000', parseSize)
    .option('--dims <list>', 'speed targets: a value for each symbolic input dim, e.g. batch=1,sequence=128', parseDims)
    .option('--report <dir>', 'with a target: write budget.html (sensitivity curves, tries) and budget.json there')
    .option('--patterns <list>', "'auto' (default: time candidates here, pick per layer) or candidates, e.g. csr,gs:16", parsePatternChoice)
    .option('--batch <n>', 'rows per kernel call to optimise for (tokens x batch for transformers; default 1, with a speed target what --dims implies)', parseCount)
    .option('--calibration <files>', 'sample feeds (safetensors, one feed record per file, comma-separated): activation-aware pruning and output error', list)
    .option('--out <file>', 'compressed output (default: IN.gsparse.onnx / IN.gsparse.safetensors)')
    .option('--pruned-out <file>', 'also write the pruned weights in the input format (standard ONNX / safetensors)')
    .option('--masks-out <file>', 'weights files: where the masks go (default: IN.masks.safetensors)')
    .option('--min-retained <x>', 'quality bound for auto: retained magnitude vs unstructured', parseFraction, 0.97)
    .option('--include <regex>', 'only layers (node or weight names) matching')
    .option('--exclude <regex>', 'not layers matching')
    .addOption(new Option('--dtype <dtype>', 'weight storage').choices(['f32', 'f16']).default('f32'))
    .option('--json', 'print the per-layer report as JSON')
    .action(async (input: string, flags: CompressFlags, cmd: Command) => {
      const goals = ['sparsity', 'speedup', 'latencyMs', 'size'] as const;
      const given = goals.filter((g) => flags[g] !== undefined);
      if (given.length !== 1) {
        const names = given.map((g) => `--${g.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
        cmd.error(`error: expected exactly one of --sparsity, --speedup, --latency-ms, --size; got ${names.length === 0 ? 'none' : names.join(', ')}`);
      }
      return runCompress(input, flags);
    });

  program.command('info')
    .description('Show the hardware gsparse sees: ISA, threads, GS banks, and which backends can run (with reasons).')
    .option('--json', 'print as JSON')
    .action((flags: { json?: boolean }) => runInfo(flags));

  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ outputError: (str, write) => write(oneLine(`gsparse ${cmd.name()}`, str)) });
  }
  return program;
}

/** Runs the CLI on argv and resolves to its exit code (never throws). */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      return EXIT_USAGE; // commander already printed the one-line reason
    }
    const err = e instanceof Error ? e : new Error(String(e));
    const code = (err as { code?: unknown }).code;
    const tag = typeof code === 'string' && !err.message.startsWith(code) ? ` ${code}` : '';
    process.stderr.write(`gsparse: ${err.name}${tag}: ${err.message.split('\n')[0]}\n`);
    if (process.env.GSPARSE_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
    return EXIT_FAILED;
  }
}

// `gsparse profile --json | head`: a closed pipe ends the output quietly, not with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main(process.argv);
