// onnxruntime-node is an optional peer: kernel users never load it, and the model API says what to install
// when it is missing. Each case runs in a fresh Node process.
import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

const INDEX = new URL('../lib/index.ts', import.meta.url).href;

function node(script: string, extraArgs: string[] = []): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...extraArgs, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const ORT_LIBS = "process.report.getReport().sharedObjects.filter((s) => /onnxruntime/.test(s)).length";

describe('onnxruntime-node is loaded only by the model API', () => {
  it('importing gsparse and running a kernel loads no onnxruntime library; creating a session does', () => {
    const r = node(`
      const g = await import(${JSON.stringify(INDEX)});
      const m = g.pack(new Float32Array(64).fill(1), [8, 8], { pattern: 'csr', sparsity: 0.5 });
      m.matmul(new Float32Array(8).fill(1), 1);
      console.log('before=' + ${ORT_LIBS});
      const { buildModel, node, value } = await import(${JSON.stringify(new URL('./helpers/onnx-build.ts', import.meta.url).href)});
      const s = await g.InferenceSession.create(buildModel({ nodes: [node('Relu', ['X'], ['Y'])], inputs: [value('X', [2])], outputs: [value('Y', [2])] }));
      console.log('after=' + ${ORT_LIBS});
      await s.release();
    `);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout).toContain('before=0');
    expect(r.stdout).toMatch(/after=[1-9]/);
  });

  it('a model whose nodes are all SparseLinear runs without loading the native code of onnxruntime-node', () => {
    // So a worker running it can be terminated at any moment (docs/threading.md, Teardown).
    const r = node(`
      const g = await import(${JSON.stringify(INDEX)});
      const { mlpModel } = await import(${JSON.stringify(new URL('./helpers/mlp-model.mjs', import.meta.url).href)});
      const { model } = await g.compress(mlpModel(16, 32, 4), { sparsity: 0.5, patterns: ['csr'] });
      const s = await g.InferenceSession.create(model);
      const out = await s.run({ x: new g.Tensor('float32', new Float32Array(2 * 16).fill(1), [2, 16]) });
      console.log('dims=' + out.y.dims.join('x') + ' libs=' + ${ORT_LIBS});
      await s.release();
    `);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout).toContain('dims=2x4 libs=0');
  });

  it('without onnxruntime-node, InferenceSession.create rejects with E_BACKEND naming the package', () => {
    // A resolve hook makes `import('onnxruntime-node')` fail as it does where the package is not installed.
    const hook = `export async function resolve(s, c, next) { if (s === 'onnxruntime-node') throw Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' }); return next(s, c); }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const r = node(`
      const g = await import(${JSON.stringify(INDEX)});
      try {
        await g.InferenceSession.create(new Uint8Array([8, 8, 58, 0]));
        console.log('created');
      } catch (e) {
        console.log(e.name + ' ' + e.code + ' ' + e.message.split('\\n')[0]);
      }
    `, ['--import', `data:text/javascript,${encodeURIComponent(register)}`]);
    expect(r.stdout).toMatch(/GsparseError E_BACKEND .*npm install onnxruntime-node/);
  });
});
