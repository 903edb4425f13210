// Prune a dense layer to a GS pattern, pack it, run it, and save it.
// Run it in an app that installed gsparse, or in this repo after `npm install` (the package imports
// itself by name): node examples/prune-and-run.mjs
import { writeFileSync } from 'node:fs';
import { hardware, pack } from 'gsparse';

const rows = 1024;
const cols = 1024;
const w = Float32Array.from({ length: rows * cols }, () => Math.random() * 2 - 1);

// Banks matched to this CPU's gather width (16 with AVX-512, 8 with AVX2).
const { recommendedBanks } = hardware();
const sparse = pack(w, [rows, cols], { pattern: `gs:${recommendedBanks}`, sparsity: 0.9, dtype: 'f16' });
console.log(`${sparse.rows}x${sparse.cols}, nnz ${sparse.nnz}, sparsity ${sparse.sparsity.toFixed(3)}, ` +
  `${(sparse.byteLength / 1024).toFixed(0)} KiB (dense fp32: ${(rows * cols * 4 / 1024).toFixed(0)} KiB)`);

const batch = 8;
const x = Float32Array.from({ length: batch * cols }, () => Math.random());
const y = await sparse.matmulAsync(x, batch, { activation: 'relu' }); // off the event loop
console.log(`y[0..4] = ${Array.from(y.subarray(0, 4), (v) => v.toFixed(4)).join(', ')}`);

writeFileSync('layer.gspm', sparse.serialize());
sparse.dispose();
