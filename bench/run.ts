// `npm run bench`: gsparse sparse formats vs our dense vs onnxruntime-node dense, interleaved, one run.
// See bench/README.md for the columns. Files: cases.ts (what), timing.ts (how), ort-peer.ts (the peer),
// stream.ts (memory bound), report.ts (tables, targets, JSON).
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { backends, hardware, pack, setThreads, type SparseMatrix } from '../lib/index.js';
import { type BenchConfig, parseConfig, type Shape, type SparseCase, sparseCases, USAGE } from './cases.js';
import { checkRows, gaussian, relErr, seedOf } from './data.js';
import { OPSET, ORT_VERSION, OrtPeer } from './ort-peer.js';
import { CHECK_TOL, derive, evaluateTargets, formatShapeTable, formatTargets, type Row, writeJson } from './report.js';
import { measureStream, type StreamResult } from './stream.js';
import { immediateHopUs, measureInterleaved, type Peer, type TimingOptions } from './timing.js';

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

interface Packed {
  c: SparseCase;
  m: SparseMatrix;
  packMs: number;
}

const started = performance.now();
const elapsedS = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

async function runShape(
  shape: Shape,
  cfg: BenchConfig,
  timing: TimingOptions,
  packs: PackRecord[],
  skipped: Skipped[],
): Promise<Row[]> {
  const { rows, cols } = shape;
  const label = shape.name === `${rows}x${cols}` ? shape.name : `${shape.name} (${rows}x${cols})`;
  console.log(`\n== ${label}: packing ... [${elapsedS()}]`);
  // Gaussian weights scaled like a trained layer (std 1/sqrt(in)), so outputs stay O(1).
  const w = gaussian(rows * cols, seedOf(`W/${shape.name}/${rows}x${cols}`), 1 / Math.sqrt(cols));
  const ortPeer = OrtPeer.create(w, rows, cols, { threads: cfg.threads, spin: cfg.ortSpin });
  let t = performance.now();
  const dense = pack(w, [rows, cols], { pattern: 'dense' });
  const densePackMs = performance.now() - t;
  packs.push({ shape: shape.name, rows, cols, pattern: 'dense', targetSparsity: null, sparsity: dense.sparsity, nnz: dense.nnz, byteLength: dense.byteLength, packMs: densePackMs });
  const mats: Packed[] = [];
  const out: Row[] = [];
  try {
    for (const c of sparseCases(cfg)) {
      t = performance.now();
      try {
        const m = pack(w, [rows, cols], { pattern: c.pattern, sparsity: c.sparsity });
        const packMs = performance.now() - t;
        mats.push({ c, m, packMs });
        packs.push({ shape: shape.name, rows, cols, pattern: c.pattern, targetSparsity: c.sparsity, sparsity: m.sparsity, nnz: m.nnz, byteLength: m.byteLength, packMs });
      } catch (e) {
        skipped.push({ shape: shape.name, pattern: c.pattern, sparsity: c.sparsity, reason: message(e) });
        console.warn(`   skipped ${c.pattern} @ ${c.sparsity}: ${message(e)}`);
      }
    }
    console.log(`   packed ${mats.length + 1} matrices, ORT session ${ortPeer.createMs.toFixed(0)} ms [${elapsedS()}]`);

    for (const batch of cfg.batches) {
      const x = gaussian(batch * cols, seedOf(`X/${shape.name}/${batch}`));
      const y = new Float32Array(batch * rows);
      // One batch row (the last: it lands in any remainder tile of a batch-tiled kernel); the plain-JS
      // reference costs rows*cols per row checked, per matrix, so checking more rows would dominate the run.
      const checkAt = [batch - 1];
      const c0 = performance.now();

      // Correctness first: our dense vs plain JS, ORT vs our dense (whole output), each sparse vs plain JS
      // on its own pruned weights (last batch row). A wrong kernel must not look fast.
      const yDense = dense.matmul(x, batch);
      const denseErr = checkRows(w, rows, cols, x, yDense, checkAt);
      const runOrt = ortPeer.prepare(x, batch);
      const ortErr = relErr(runOrt().slice(), yDense);
      if (ortErr >= CHECK_TOL) console.warn(`   WARNING: ORT and our dense differ at batch ${batch}: rel err ${ortErr.toExponential(2)}`);
      const matErr = mats.map(({ m }) => {
        const d = m.toDense();
        return checkRows(d, rows, cols, x, m.matmul(x, batch), checkAt);
      });

      const peers: Peer[] = [
        { id: 'dense', fn: () => dense.matmul(x, batch, { out: y }) },
        { id: 'ort', fn: runOrt },
        ...mats.map(({ m }, i) => ({ id: `m${i}`, fn: () => m.matmul(x, batch, { out: y }) })),
      ];
      const checkS = (performance.now() - c0) / 1000;
      const g0 = performance.now();
      const stats = await measureInterleaved(peers, timing);
      const groupS = (performance.now() - g0) / 1000;
      const denseT = stats.get('dense');
      const ortT = stats.get('ort');
      if (!denseT || !ortT) throw new Error('internal: missing baseline timings');
      const common = { shape: shape.name, rows, cols, batch };
      out.push(
        derive({ ...common, pattern: 'dense', runtime: 'gsparse', targetSparsity: null, sparsity: dense.sparsity, nnz: dense.nnz, weightBytes: dense.byteLength, time: denseT, packMs: densePackMs, checkErr: denseErr }, denseT.median, ortT.median),
        derive({ ...common, pattern: 'ort-dense', runtime: 'onnxruntime', targetSparsity: null, sparsity: 0, nnz: rows * cols, weightBytes: rows * cols * 4, time: ortT, packMs: ortPeer.createMs, checkErr: ortErr }, denseT.median, ortT.median),
      );
      mats.forEach(({ c, m, packMs }, i) => {
        const st = stats.get(`m${i}`);
        if (!st) return;
        out.push(derive({ ...common, pattern: c.pattern, runtime: 'gsparse', targetSparsity: c.sparsity, sparsity: m.sparsity, nnz: m.nnz, weightBytes: m.byteLength, time: st, packMs, checkErr: matErr[i] ?? null }, denseT.median, ortT.median));
      });
      const bad = [denseErr, ...matErr].filter((e) => !(e < CHECK_TOL)).length;
      console.log(`   batch ${batch}: ${peers.length} peers interleaved, ${groupS.toFixed(1)} s (checks ${checkS.toFixed(1)} s)${bad ? `, ${bad} CHECK FAILURES` : ''} [${elapsedS()}]`);
    }
  } finally {
    for (const { m } of mats) m.dispose();
    dense.dispose();
    ortPeer.dispose();
  }
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const hw0 = hardware();
  let cfg: BenchConfig | 'help';
  try {
    cfg = parseConfig(argv, hw0);
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
  setThreads(cfg.threads);
  const hw = hardware();
  const timing: TimingOptions = {
    minRepeats: cfg.minRepeats,
    minTimePerPeerS: cfg.minTimePerPeerS,
    maxGroupS: cfg.maxGroupS,
    warmup: 2,
    minSampleMs: 2,
  };
  const command = `tsx bench/run.ts${argv.length ? ` ${argv.join(' ')}` : ''}`;
  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  console.log(`gsparse bench — ${new Date().toISOString()}`);
  console.log(`command: ${command}`);
  console.log(`cpu: ${cpuModel}, ${os.cpus().length} logical cores, simd ${hw.simd}, recommendedBanks ${hw.recommendedBanks}; threads ${cfg.threads} (gsparse and ORT)`);
  console.log(`node ${process.version}, onnxruntime-node ${ORT_VERSION} (MatMul, opset ${OPSET}, graph opt 'all', spinning ${cfg.ortSpin ? 'on' : 'off'})`);
  console.log(`timing: interleaved; >= ${timing.minRepeats} samples and ~${timing.minTimePerPeerS} s per peer per group (cap ${timing.maxGroupS} s); median, spread p10..p90`);

  const stream: StreamResult = await measureStream(cfg.threads);
  console.log(
    `memory bandwidth (STREAM-like, ${stream.threads} threads, 4 arrays x ${(stream.elements * 4) / 2 ** 20} MiB, best of ${stream.trials}): ` +
      `copy ${stream.copyGBs.toFixed(1)} GB/s, read ${stream.readGBs.toFixed(1)} GB/s, JS triad ${stream.triadGBs.toFixed(1)} GB/s -> bound ${stream.bestGBs.toFixed(1)} GB/s`,
  );
  const hopUs = await immediateHopUs();
  console.log(`ORT is timed through its synchronous native run; the public session.run() adds a setImmediate hop (~${hopUs.toFixed(1)} us here) not counted.`);

  const rows: Row[] = [];
  const packs: PackRecord[] = [];
  const skipped: Skipped[] = [];
  for (const shape of cfg.shapes) {
    const shapeRows = await runShape(shape, cfg, timing, packs, skipped);
    rows.push(...shapeRows);
    console.log(`\n${shape.name}  W ${shape.rows}x${shape.cols}  (ms per call; x dense / x ORT = speedup over our dense / ORT dense in the same run)`);
    console.log(formatShapeTable(shapeRows, stream.bestGBs));
  }

  const targets = evaluateTargets(rows);
  const bigPacks = packs.filter((p) => p.rows === 4096 && p.cols === 4096 && p.pattern !== 'dense');
  const packMaxMs = bigPacks.length ? Math.max(...bigPacks.map((p) => p.packMs)) : null;
  console.log('\nTargets (docs/benchmarks.md; W 4096x4096, ratios vs ORT dense from this run):');
  console.log(formatTargets(targets, packMaxMs));
  const b1 = rows.filter((r) => r.batch === 1 && r.rows === 4096 && r.cols === 4096);
  if (b1.length) {
    console.log(`\nBatch 1 on 4096x4096 vs the memory bound (${stream.bestGBs.toFixed(1)} GB/s):`);
    for (const r of b1)
      console.log(`  ${`${r.pattern}${r.targetSparsity === null ? '' : ` @${Math.round(r.targetSparsity * 100)}%`}`.padEnd(16)} ${r.gbs.toFixed(1).padStart(6)} GB/s = ${Math.round((100 * r.gbs) / stream.bestGBs)}% of bound; time at bound would be ${((r.weightBytes / stream.bestGBs) * 1e-6).toFixed(3)} ms`);
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outPath = cfg.out ?? fileURLToPath(new URL(`./results/bench-${stamp}.json`, import.meta.url));
  const durationS = (performance.now() - started) / 1000;
  await writeJson(outPath, {
    tool: 'gsparse-bench',
    date: new Date().toISOString(),
    command,
    argv: process.argv,
    config: cfg,
    timing,
    machine: {
      hardware: hw,
      backends: backends(),
      cpuModel,
      logicalCores: os.cpus().length,
      totalMemGiB: os.totalmem() / 2 ** 30,
      platform: process.platform,
      arch: process.arch,
    },
    node: process.version,
    ort: { version: ORT_VERSION, opset: OPSET, spinning: cfg.ortSpin, sessionRunHopUs: hopUs },
    stream,
    durationS,
    targets,
    packs,
    skipped,
    rows,
  });
  console.log(`\nwrote ${outPath}  (total ${durationS.toFixed(1)} s)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
