// `npm run bench`: gsparse's kernels against onnxruntime-node's dense MatMul at its default options, as
// docs/benchmarks.md requires: each runtime in its own process (kernel-child.ts, forked through
// lib/profile/contender.ts), never both at once; per shape, batch and regime (hot, cold) several rounds alternate
// which process goes first, a ratio is taken within each round and the figure is the median of the
// rounds' ratios. Batch-1 rows report the fraction of the byte limit (this kernel's bytes at the
// bandwidth ORT reaches in the same regime), batched rows the fraction of the FMA peak (peak.ts).
// See bench/README.md for the options and columns.
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { backends, hardware } from '../lib/index.js';
import { FLUSH_BYTES } from '../lib/profile/cache-flush.js';
import { Contender, sleep } from '../lib/profile/contender.js';
import { median, type Samples } from '../lib/profile/measure.js';
import { type BenchConfig, parseConfig, type Shape, sparseCases, USAGE } from './cases.js';
import type { KernelChildArgs, KernelChildInfo } from './kernel-child.js';
import { immediateHopUs, OPSET, ORT_VERSION } from './ort-peer.js';
import { measurePeak, type Peak } from './peak.js';
import { CHECK_TOL, derive, evaluateTargets, formatShapeTable, formatSummary, formatTargets, type Row, writeJson } from './report.js';

interface PackRecord {
  shape: string;
  rows: number;
  cols: number;
  pattern: string;
  targetSparsity: number | null;
  sparsity: number;
  nnz: number;
  byteLength: number;
  packMs: number;
}

interface Skipped {
  shape: string;
  pattern: string;
  sparsity: number;
  reason: string;
}

/** Pause before each contender's turn: onnxruntime's intra-op threads spin a while after a run. */
const PAUSE_MS = 100;
const KERNEL_CHILD = new URL('./kernel-child.ts', import.meta.url);

const started = performance.now();
const elapsedS = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

async function runShape(shape: Shape, cfg: BenchConfig, peak: Peak, packs: PackRecord[], skipped: Skipped[]): Promise<Row[]> {
  const { rows, cols } = shape;
  const label = shape.name === `${rows}x${cols}` ? shape.name : `${shape.name} (${rows}x${cols})`;
  console.log(`\n== ${label}: packing ... [${elapsedS()}]`);
  const childArgs = (engine: KernelChildArgs['engine']): KernelChildArgs => ({
    engine,
    shape,
    cases: engine === 'gsparse' ? sparseCases(cfg) : [],
    threads: cfg.threads,
    timing: cfg.timing,
  });
  const ort = await Contender.start<KernelChildInfo>(KERNEL_CHILD, childArgs('ort'));
  const gs = await Contender.start<KernelChildInfo>(KERNEL_CHILD, childArgs('gsparse')).catch(async (e: unknown) => {
    await ort.close();
    throw e;
  });
  const out: Row[] = [];
  try {
    const contenders = [...ort.info.contenders, ...gs.info.contenders];
    for (const c of gs.info.contenders)
      packs.push({ shape: shape.name, rows, cols, pattern: c.pattern, targetSparsity: c.targetSparsity, sparsity: c.sparsity, nnz: c.nnz, byteLength: c.weightBytes, packMs: c.packMs });
    for (const s of gs.info.skipped) {
      skipped.push({ shape: shape.name, ...s });
      console.warn(`   skipped ${s.pattern} @ ${s.sparsity}: ${s.reason}`);
    }
    console.log(`   packed ${gs.info.contenders.length} matrices, ORT session ${ort.info.contenders[0]?.packMs.toFixed(0)} ms [${elapsedS()}]`);

    for (const batch of cfg.batches) {
      // Correctness first, in each process: every contender's last output row against plain JS on
      // its own weights (a wrong kernel must not look fast).
      const checks: Record<string, number> = {};
      for (const c of [ort, gs]) Object.assign(checks, (await c.request<{ checks: Record<string, number> }>({ op: 'batch', batch })).checks);
      for (const regime of cfg.regimes) {
        const roundMs = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
        const samples = new Map<string, string>();
        for (let round = 0; round < cfg.rounds; round++) {
          for (const c of round % 2 === 0 ? [ort, gs] : [gs, ort]) {
            await sleep(PAUSE_MS);
            const got = await c.request<{ samples: Record<string, Samples> }>({ op: 'time', batch, regime, round });
            for (const [id, s] of Object.entries(got.samples)) {
              roundMs.get(id)?.push(median(s.ms));
              if (!samples.has(id)) samples.set(id, s.inner > 1 ? `${s.ms.length}x${s.inner}` : String(s.ms.length));
            }
          }
        }
        const ortMs = roundMs.get('ort') ?? [];
        const denseMs = roundMs.get('dense') ?? [];
        for (const c of contenders)
          out.push(
            derive(
              {
                shape: shape.name, rows, cols, batch, regime,
                pattern: c.pattern,
                runtime: c.id === 'ort' ? 'onnxruntime' : 'gsparse',
                targetSparsity: c.targetSparsity,
                sparsity: c.sparsity,
                nnz: c.nnz,
                weightBytes: c.weightBytes,
                roundMs: roundMs.get(c.id) ?? [],
                samples: samples.get(c.id) ?? '-',
                packMs: c.packMs,
                checkErr: checks[c.id] ?? Number.POSITIVE_INFINITY,
              },
              ortMs,
              denseMs,
              peak.gflops,
            ),
          );
        console.log(`   batch ${batch} ${regime}: ${cfg.rounds} rounds of ${contenders.length} contenders in 2 processes [${elapsedS()}]`);
      }
      const bad = Object.values(checks).filter((e) => !(e < CHECK_TOL)).length;
      if (bad) console.warn(`   batch ${batch}: ${bad} CHECK FAILURES`);
    }
  } finally {
    await Promise.all([ort.close(), gs.close()]);
  }
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const hw = hardware();
  let cfg: BenchConfig | 'help';
  try {
    cfg = parseConfig(argv, hw);
  } catch (e) {
    console.error(message(e));
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  if (cfg === 'help') {
    console.log(USAGE);
    return;
  }
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  const loadStart = os.loadavg();
  console.log(`gsparse bench — ${new Date().toISOString()}`);
  console.log(`command: ${command}`);
  console.log(`cpu: ${cpuModel}, ${os.cpus().length} logical cores, simd ${hw.simd}, recommendedBanks ${hw.recommendedBanks}; gsparse threads ${cfg.threads}`);
  console.log(`load average at start: ${loadStart.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`);
  console.log(`node ${process.version}, onnxruntime-node ${ORT_VERSION} (MatMul, opset ${OPSET}) at its default session options, spinning included`);
  const { hot, cold } = cfg.timing;
  console.log(
    `method: each runtime in its own process, ${cfg.rounds} rounds alternating which goes first, ratio per round, figure = median of rounds; ` +
      `regimes ${cfg.regimes.join(', ')} (hot: >= ${hot.minRepeats} samples and ${hot.minTimeMs / 1000} s per contender per round; ` +
      `cold: ${cold.minRepeats} calls, each after a ${FLUSH_BYTES / 2 ** 20} MiB read sweep, untimed)`,
  );
  const peak: Peak = cfg.peakGflops !== undefined ? { gflops: cfg.peakGflops, source: '--peak-gflops' } : measurePeak(cfg.threads);
  console.log(`FMA peak (batched limit): ${peak.gflops === null ? '-' : `${peak.gflops.toFixed(1)} GFLOP/s`}  [${peak.source}]`);
  const hopUs = await immediateHopUs();
  console.log(`ORT is timed through its synchronous native run; the public session.run() adds a setImmediate hop (~${hopUs.toFixed(1)} us here) not counted.`);

  const rows: Row[] = [];
  const packs: PackRecord[] = [];
  const skipped: Skipped[] = [];
  for (const shape of cfg.shapes) {
    const shapeRows = await runShape(shape, cfg, peak, packs, skipped);
    rows.push(...shapeRows);
    for (const regime of cfg.regimes) {
      console.log(`\n${shape.name}  W ${shape.rows}x${shape.cols}  ${regime}  (ms per call, median of rounds; x ORT / x dense = median of per-round ratios)`);
      console.log(formatShapeTable(shapeRows.filter((r) => r.regime === regime)));
    }
  }

  const big = rows.filter((r) => r.rows === 4096 && r.cols === 4096);
  if (big.length) {
    console.log('\nW 4096x4096, 90% (2:4 at its 50%): x ORT dense at its defaults, median of rounds (fraction of the limit: batch 1 bytes at ORT\'s bandwidth, batched FMA peak)');
    console.log(formatSummary(big, 0.9));
  }
  const targets = evaluateTargets(rows, cfg.regimes, cfg.batches);
  const bigPacks = packs.filter((p) => p.rows === 4096 && p.cols === 4096 && p.pattern !== 'dense');
  const packMaxMs = bigPacks.length ? Math.max(...bigPacks.map((p) => p.packMs)) : null;
  console.log('\nTargets (docs/benchmarks.md; W 4096x4096, 90%, vs onnxruntime-node dense at its defaults, each regime):');
  console.log(formatTargets(targets, packMaxMs));
  const loadEnd = os.loadavg();
  console.log(`\nload average at end: ${loadEnd.map((l) => l.toFixed(2)).join(' ')}`);
  // Other tenants' threads slow onnxruntime's spinning pool far more than gsparse (measured on the dev VM
  // at load ~4.4 on 2 cores: ORT alone 3.5 ms min but 12 ms median at batch 1), so the ratios mostly go up.
  const cores = os.cpus().length;
  const [startLoad = 0] = loadStart;
  const [endLoad = 0] = loadEnd;
  if (startLoad > cores || endLoad > cores + 2)
    console.log(
      `WARNING: the machine was loaded by others (1-min load ${startLoad.toFixed(1)} at start, ${endLoad.toFixed(1)} at end, on ${cores} cores, this bench adding up to ${Math.min(cfg.threads, cores)}): ` +
        'onnxruntime at its defaults (spinning threads) loses more to other tenants than gsparse, so the ratios above are mostly overstated and vary from run to run; quote figures from a quiet machine.',
    );

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outPath = cfg.out ?? fileURLToPath(new URL(`./results/bench-${stamp}.json`, import.meta.url));
  const durationS = (performance.now() - started) / 1000;
  await writeJson(outPath, {
    tool: 'gsparse-bench',
    date: new Date().toISOString(),
    command,
    argv: process.argv,
    config: cfg,
    machine: {
      hardware: hw,
      backends: backends(),
      cpuModel,
      logicalCores: os.cpus().length,
      totalMemGiB: os.totalmem() / 2 ** 30,
      platform: process.platform,
      arch: process.arch,
      loadAverage: { start: loadStart, end: loadEnd },
    },
    node: process.version,
    ort: { version: ORT_VERSION, opset: OPSET, options: 'defaults', sessionRunHopUs: hopUs },
    peak,
    durationS,
    targets,
    packs,
    skipped,
    rows,
  });
  console.log(`wrote ${outPath}  (total ${durationS.toFixed(1)} s)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
