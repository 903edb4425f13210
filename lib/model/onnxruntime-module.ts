// `gsparse/onnxruntime`: a module shaped like onnxruntime-node (InferenceSession, Tensor, env) whose sessions
// run compressed models, so code written for onnxruntime-node switches by changing its import.
import * as ort from 'onnxruntime-node';

export { InferenceSession, type RunOptions, type SessionOptions } from './session.js';
export { Tensor } from './ort.js';

/** onnxruntime's global settings (log level, versions, ...), shared with the sessions gsparse creates. */
export const env: typeof ort.env = ort.env;
