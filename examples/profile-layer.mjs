// Profile your own layer: which pattern runs it fastest on this machine without losing weight
// magnitude. The profiler is the subpath gsparse/profile; it needs none of the optional packages
// (those draw the CLI's report). Run: node examples/profile-layer.mjs
import { hardware, pack } from 'gsparse';
import { profile, recommend } from 'gsparse/profile';

const rows = 512;
const cols = 512;
const w = Float32Array.from({ length: rows * cols }, () => Math.random() * 2 - 1); // your weights here
const layer = pack(w, [rows, cols], { pattern: 'dense' }); // any SparseMatrix works

const banks = hardware().recommendedBanks;
const report = await profile({
  layers: [{ name: 'my-layer', matrix: layer }, { name: 'proj', rows: 256, cols: 256 }],
  patterns: ['dense', 'csr', `gs:${banks}`, `gs:${banks}x4`],
  sparsities: [0.9],
  batches: [1, 16],
  maxRepeats: 10,
});
console.log(`${report.results.length} runs`);
for (const r of recommend(report.results, { minRetained: 0.97 }))
  console.log(`${r.layer} batch ${r.batch}: ${r.pattern} (${r.speedup.toFixed(2)}x over dense, retained ${r.retainedRatio.toFixed(3)})`);
layer.dispose();
