// Compress an ONNX model's linear layers and run it: gsparse runs the SparseLinear nodes, onnxruntime-node
// (npm install onnxruntime-node) everything else.
// Usage: node run-model.mjs MODEL.onnx INPUT_NAME DIMS [sparsity] [patterns], e.g.
//   node run-model.mjs model.onnx input 1,128,768 0.9            (patterns 'auto': chosen per layer here)
//   node run-model.mjs model.onnx input 1,128,768 0.9 gs:16,csr
import { writeFileSync } from 'node:fs';
import { compress, InferenceSession, Tensor } from 'gsparse';

const [file, inputName, dimsText, sparsity = '0.9', patterns = 'auto'] = process.argv.slice(2);
if (!file || !inputName || !dimsText) {
  console.error('usage: node run-model.mjs MODEL.onnx INPUT_NAME DIMS(e.g. 1,128,768) [sparsity] [patterns|auto]');
  process.exit(2);
}

// One ONNX file with SparseLinear nodes, plus the same pruning as a standard ONNX model to check it against.
// With several candidates, compress times each layer shape here at the rows per call the input implies.
const dims = dimsText.split(',').map(Number);
const batch = dims.slice(0, -1).reduce((a, b) => a * b, 1);
const { model, pruned, layers } = await compress(file, {
  sparsity: Number(sparsity), batch, patterns: patterns === 'auto' ? 'auto' : patterns.split(','),
});
for (const l of layers) {
  console.log(l.skipped
    ? `${l.name} (${l.op}): left to onnxruntime: ${l.skipped}`
    : `${l.name} (${l.op}) ${l.rows}x${l.cols} ${l.pattern} sparsity ${l.sparsity.toFixed(2)}, ${(l.byteLength / 1024).toFixed(0)} KiB (dense ${(l.denseBytes / 1024).toFixed(0)} KiB)${l.why ? `: ${l.why}` : ''}`);
}
writeFileSync('model.gsparse.onnx', model);
writeFileSync('model.pruned.onnx', pruned);

// Same API as onnxruntime-node's InferenceSession (or import { InferenceSession } from 'gsparse/onnxruntime').
const x = new Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.random()), dims);
const session = await InferenceSession.create(model);
const t0 = performance.now();
const out = await session.run({ [inputName]: x });
console.log(`run: ${(performance.now() - t0).toFixed(1)} ms; outputs: ${session.outputNames.map((n) => `${n} [${out[n].dims}]`).join(', ')}`);
await session.release();
