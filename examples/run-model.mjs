// Compress an ONNX model's linear layers and run it: gsparse runs the SparseLinear nodes, onnxruntime-node
// (npm install onnxruntime-node) everything else.
// Usage: node run-model.mjs MODEL.onnx INPUT_NAME DIMS [sparsity] [pattern], e.g.
//   node run-model.mjs model.onnx input 1,128,768 0.9 gs:16
import { writeFileSync } from 'node:fs';
import { compress, InferenceSession, Tensor } from 'gsparse';

const [file, inputName, dimsText, sparsity = '0.9', pattern = 'gs:16'] = process.argv.slice(2);
if (!file || !inputName || !dimsText) {
  console.error('usage: node run-model.mjs MODEL.onnx INPUT_NAME DIMS(e.g. 1,128,768) [sparsity] [pattern]');
  process.exit(2);
}

// One ONNX file with SparseLinear nodes, plus the same pruning as a standard ONNX model to check it against.
const { model, pruned, layers } = await compress(file, { sparsity: Number(sparsity), patterns: [pattern] });
for (const l of layers) {
  console.log(l.skipped
    ? `${l.name} (${l.op}): left to onnxruntime: ${l.skipped}`
    : `${l.name} (${l.op}) ${l.rows}x${l.cols} ${l.pattern} sparsity ${l.sparsity.toFixed(2)}, ${(l.byteLength / 1024).toFixed(0)} KiB (dense ${(l.denseBytes / 1024).toFixed(0)} KiB)`);
}
writeFileSync('model.gsparse.onnx', model);
writeFileSync('model.pruned.onnx', pruned);

// Same API as onnxruntime-node's InferenceSession (or import { InferenceSession } from 'gsparse/onnxruntime').
const dims = dimsText.split(',').map(Number);
const x = new Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.random()), dims);
const session = await InferenceSession.create(model);
const t0 = performance.now();
const out = await session.run({ [inputName]: x });
console.log(`run: ${(performance.now() - t0).toFixed(1)} ms; outputs: ${session.outputNames.map((n) => `${n} [${out[n].dims}]`).join(', ')}`);
await session.release();
