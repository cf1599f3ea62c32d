import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { buildOnnx, getZooEntry, listZoo } from '../models/index.js';
import { BenchError } from '../src/core/errors.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../src/graph/fp16.js';
import { BUILDER_VERSION, defaultCacheDir, zooModelPath } from '../models/cache.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function unknownModelError(name: string): BenchError {
  try {
    getZooEntry(name);
  } catch (e) {
    if (e instanceof BenchError) return e;
    throw e;
  }
  throw new Error(`${name} was accepted`);
}

describe('zoo registry', () => {
  it('lists entries with 224x224 inputs (tiny_cnn: 32x32) and papers', () => {
    for (const e of listZoo()) {
      expect(e.inputShape).toEqual(e.name === 'tiny_cnn' ? ['N', 3, 32, 32] : ['N', 3, 224, 224]);
      expect(e.paper.length).toBeGreaterThan(0);
    }
    expect(getZooEntry('resnet50').expected).toEqual({ params: 25_557_032, gmacs: 4.089 });
  });

  it('rejects unknown names with close suggestions', () => {
    const e = unknownModelError('resnt50');
    expect(e.code).toBe('E_UNKNOWN_MODEL');
    expect(e.message).toBe("unknown model 'resnt50'");
    expect(e.hint).toBe('did you mean resnet50? (bench models lists the zoo)');
    // Equally close names are all offered.
    expect(unknownModelError('resnet').hint).toBe(
      'did you mean resnet18 or resnet50? (bench models lists the zoo)',
    );
    // A far-off name gets the zoo listed, not an unrelated guess (nope -> tiny_cnn).
    expect(unknownModelError('alexnet').code).toBe('E_UNKNOWN_MODEL');
    expect(unknownModelError('nope').hint).toBe(
      'zoo models: tiny_cnn, resnet18, resnet50, mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large, efficientnet_b0, squeezenet1_1, convnext_tiny, vit_b_16 (bench models describes them), or give an .onnx path',
    );
  });
});

describe('deterministic builds', () => {
  it('same name + precision + seed gives byte-identical ONNX; another seed does not', () => {
    const a = sha(buildOnnx('mobilenet_v3_small', { precision: 'fp32' }));
    expect(sha(buildOnnx('mobilenet_v3_small', { precision: 'fp32', seed: 0 }))).toBe(a);
    expect(sha(buildOnnx('mobilenet_v3_small', { precision: 'fp32', seed: 1 }))).not.toBe(a);
    const h = sha(buildOnnx('tiny_cnn', { precision: 'fp16' }));
    expect(sha(buildOnnx('tiny_cnn', { precision: 'fp16' }))).toBe(h);
  });

  it('fp16 builds are half the size and run on the ORT CPU provider close to fp32', async () => {
    const fp32 = buildOnnx('mobilenet_v3_small', { precision: 'fp32' });
    const fp16 = buildOnnx('mobilenet_v3_small', { precision: 'fp16' });
    // Weights dominate: 2,542,856 params + BN buffers at 4 vs 2 bytes.
    expect(fp16.length / fp32.length).toBeCloseTo(0.5, 2);
    const x = Float32Array.from({ length: 2 * 3 * 224 * 224 }, (_, i) => Math.sin(i / 97));
    const s32 = await ort.InferenceSession.create(fp32);
    const s16 = await ort.InferenceSession.create(fp16);
    const y32 = (await s32.run({ input: new ort.Tensor('float32', x, [2, 3, 224, 224]) })).logits;
    const y16 = (
      await s16.run({
        input: new ort.Tensor('float16', Uint16Array.from(x, float32ToFloat16Bits), [2, 3, 224, 224]),
      })
    ).logits;
    expect(y16?.type).toBe('float16');
    expect(y16?.dims).toEqual([2, 1000]);
    const a = y32?.data as Float32Array;
    const b = Array.from(y16?.data as Uint16Array, float16BitsToFloat32);
    const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const err = b.reduce((m, v, i) => Math.max(m, Math.abs(v - (a[i] ?? NaN))), 0);
    expect(err).toBeLessThan(0.05 * scale); // fp16 weights + activations: a few per cent at most
  });
});

describe('model cache', () => {
  const dirs: string[] = [];
  const saved = process.env.H100E_CACHE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.H100E_CACHE_DIR;
    else process.env.H100E_CACHE_DIR = saved;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'h100e-zoo-'));
    dirs.push(d);
    return d;
  };

  it('builds once into the cache dir, keyed by name, precision, seed and builder version', () => {
    const dir = tmp();
    const p = zooModelPath('tiny_cnn', { precision: 'fp32', seed: 3, cacheDir: dir });
    expect(p).toBe(join(dir, `tiny_cnn-fp32-seed3-b${BUILDER_VERSION}.onnx`));
    expect(sha(readFileSync(p))).toBe(sha(buildOnnx('tiny_cnn', { precision: 'fp32', seed: 3 })));
    const mtime = statSync(p).mtimeMs;
    expect(zooModelPath('tiny_cnn', { precision: 'fp32', seed: 3, cacheDir: dir })).toBe(p);
    expect(statSync(p).mtimeMs).toBe(mtime); // not rebuilt
    zooModelPath('tiny_cnn', { precision: 'fp16', seed: 3, cacheDir: dir });
    expect(readdirSync(dir).sort()).toEqual([
      `tiny_cnn-fp16-seed3-b${BUILDER_VERSION}.onnx`,
      `tiny_cnn-fp32-seed3-b${BUILDER_VERSION}.onnx`,
    ]); // no temp files left
  });

  it('defaults to H100E_CACHE_DIR, else models/ in the user cache folder (XDG_CACHE_HOME)', () => {
    delete process.env.H100E_CACHE_DIR;
    const xdg = process.env.XDG_CACHE_HOME;
    try {
      process.env.XDG_CACHE_HOME = '/somewhere/cache';
      expect(defaultCacheDir()).toBe('/somewhere/cache/h100e/models');
    } finally {
      if (xdg === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = xdg;
    }
    const dir = tmp();
    process.env.H100E_CACHE_DIR = dir;
    expect(defaultCacheDir()).toBe(dir);
    expect(zooModelPath('tiny_cnn', { precision: 'fp32' }).startsWith(dir)).toBe(true);
  });

  it('reports an unwritable cache and unknown models as BenchErrors', () => {
    // A regular file where the cache folder should be (permissions would not stop root).
    const blocker = join(tmp(), 'blocker');
    writeFileSync(blocker, 'x');
    expect(() => zooModelPath('tiny_cnn', { precision: 'fp32', cacheDir: join(blocker, 'cache') })).toThrow(
      expect.objectContaining({ code: 'E_UNWRITABLE', hint: 'set H100E_CACHE_DIR to a writable folder' }),
    );
    expect(() => zooModelPath('tiny', { precision: 'fp32', cacheDir: tmp() })).toThrow(
      expect.objectContaining({ code: 'E_UNKNOWN_MODEL' }),
    );
  });
});
