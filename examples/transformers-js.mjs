// Run a compressed model under transformers.js: it takes its ONNX runtime from
// globalThis[Symbol.for('onnxruntime')], and gsparse/onnxruntime is shaped like onnxruntime-node.
// Needs `npm install @huggingface/transformers` and a local model folder laid out as transformers.js expects:
//   MODEL_DIR/config.json, MODEL_DIR/onnx/model.onnx (replace it with compress()'s `model`).
// Run from the repo after `npm install`:  node examples/transformers-js.mjs MODEL_DIR
import path from 'node:path';

import * as gsparseOrt from '../dist/model/onnxruntime-module.js'; // in an app: import * as gsparseOrt from 'gsparse/onnxruntime'

globalThis[Symbol.for('onnxruntime')] = gsparseOrt; // before transformers.js is loaded
const { AutoModel, Tensor, env } = await import('@huggingface/transformers');

const dir = path.resolve(process.argv[2] ?? 'tiny-bert');
env.allowRemoteModels = false;
env.localModelPath = path.dirname(dir);
// device 'auto': with a runtime given through the symbol, transformers.js lists no devices of its own and
// refuses 'cpu'; 'auto' hands the choice to the runtime (gsparse + onnxruntime's CPU provider).
const model = await AutoModel.from_pretrained(path.basename(dir), { dtype: 'fp32', device: 'auto' });
const ids = BigInt64Array.from([101, 7592, 2088, 102], BigInt);
const out = await model({ input_ids: new Tensor('int64', ids, [1, ids.length]), attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]) });
console.log(`gsparse session: ${model.sessions.model instanceof gsparseOrt.InferenceSession}`);
for (const [name, t] of Object.entries(out)) console.log(`${name} [${t.dims}]`);
