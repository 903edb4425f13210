// feedsFromSafetensors: one safetensors file becomes one feed record of onnxruntime Tensors, each dtype the
// matching onnxruntime type (BF16 converted to float32), each a copy of the file's data.
import { describe, expect, it } from 'vitest';

import { float32ToTensor, GsparseError, Tensor, writeSafetensors } from '../lib/index.js';
import { feedsFromSafetensors } from '../lib/model/safetensors-feeds.js';
import { thrown } from './helpers/util.js';

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('feedsFromSafetensors', () => {
  const file = writeSafetensors({
    input_ids: { dtype: 'I64', shape: [1, 3], data: bytesOf(new BigInt64Array([101n, 2054n, 102n])) },
    attention_mask: { dtype: 'I32', shape: [1, 3], data: bytesOf(new Int32Array([1, 1, 0])) },
    x: float32ToTensor(Float32Array.of(0.5, -1.25), [2, 1], 'F32'),
    h: { dtype: 'F16', shape: [2], data: bytesOf(new Uint16Array([0x3c00, 0xc100])) },
    b: { dtype: 'BF16', shape: [2], data: bytesOf(new Uint16Array([0x3f80, 0xc020])) },
    flag: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    pixels: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
  });

  it('maps each dtype to its onnxruntime type, with the shape as dims', () => {
    const feeds = feedsFromSafetensors(file);
    const summary = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, [t.type, t.dims, Array.from(t.data as ArrayLike<unknown>)]]));
    expect(summary).toEqual({
      input_ids: ['int64', [1, 3], [101n, 2054n, 102n]],
      attention_mask: ['int32', [1, 3], [1, 1, 0]],
      x: ['float32', [2, 1], [0.5, -1.25]],
      h: ['float16', [2], [0x3c00, 0xc100]],
      b: ['float32', [2], [1, -2.5]],
      flag: ['bool', [2], [1, 0]],
      pixels: ['uint8', [3], [0, 128, 255]],
    });
    for (const t of Object.values(feeds)) expect(t).toBeInstanceOf(Tensor);
    expect(feeds.input_ids?.data).toBeInstanceOf(BigInt64Array);
  });

  it('copies the data (the file buffer can be reused), also from an unaligned Buffer', () => {
    const buf = Buffer.concat([Buffer.from([9]), Buffer.from(file)]).subarray(1);
    const feeds = feedsFromSafetensors(buf);
    buf.fill(0);
    expect(Array.from(feeds.x?.data as Float32Array)).toEqual([0.5, -1.25]);
    expect(Array.from(feeds.input_ids?.data as BigInt64Array)).toEqual([101n, 2054n, 102n]);
  });

  it('a malformed file is E_CORRUPT; an FP8 tensor a RangeError naming it', () => {
    const e = thrown(() => feedsFromSafetensors(file.subarray(0, 20)));
    expect(e).toBeInstanceOf(GsparseError);
    expect((e as GsparseError).code).toBe('E_CORRUPT');
    const fp8 = writeSafetensors({ q: { dtype: 'F8_E4M3', shape: [1], data: new Uint8Array([0x38]) } });
    expect(thrown(() => feedsFromSafetensors(fp8))).toBeInstanceOf(RangeError);
  });
});
