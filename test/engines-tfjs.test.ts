/** TfjsEngine end to end on wasm: zoo names, signatures, leak accounting, fp16 refusal, seeds. */
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, buildOnnx } from '../models/index.js';
import { BenchError } from '../src/core/errors.js';
import type { HostInputs, LoadRequest } from '../src/engines/engine.js';
import { selectTfjsBackend, type BackendChoice } from '../src/engines/tfjs-backend.js';
import { defaultWasmThreads } from '../src/engines/tfjs-wasm-threads.js';
import type { TfjsRunnable } from '../src/engines/tfjs-graph.js';
import { createTfjsEngine, isZooModelName, TfjsLoadedModel } from '../src/engines/tfjs.js';

const request: LoadRequest = {
  modelPath: 'tiny_cnn',
  graph: buildGraph('tiny_cnn', { seed: 0 }),
  device: 'cpu',
  precision: 'fp32',
  threads: 0,
  transfer: 'include',
};

function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i % 17) - 8) / 8);
}

function tinyInputs(batch: number): HostInputs {
  const shape = [batch, 3, 32, 32];
  return new Map([['input', { dtype: 'float32', shape, data: ramp(batch * 3 * 32 * 32) }]]);
}

describe('TfjsEngine', () => {
  // tf.memory() needs an initialised backend; the engine would pick the same one.
  beforeAll(() => selectTfjsBackend({ device: 'cpu', threads: 0 }));

  it('tells zoo names from model.json paths', () => {
    expect(isZooModelName('mobilenet_v2')).toBe(true);
    expect(isZooModelName('model.json')).toBe(false);
    expect(isZooModelName('dir/model')).toBe(false);
    expect(isZooModelName('C:\\m\\model')).toBe(false);
  });

  it('loads a zoo model by name on wasm with its input signature', async () => {
    const engine = await createTfjsEngine();
    expect(engine.name).toBe('tfjs');
    expect(engine.version).toBe(tf.version.tfjs);
    const before = tf.memory().numTensors;
    const model = await engine.load(request);
    expect(model.provider).toBe('wasm');
    expect(model.actualDevice).toBe('cpu');
    expect(model.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['N', 3, 32, 32] }]);
    expect(model.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: ['N', 1000] }]);
    expect(model.providerOptions).toMatchObject({
      backend: 'wasm',
      threads: defaultWasmThreads(),
      simd: true,
      outputsReadBack: true,
    });

    await model.bind(tinyInputs(2));
    const out = await model.runAndRead();
    expect(out.get('logits')?.shape).toEqual([2, 1000]);
    for (let i = 0; i < 20; i++) await model.run();
    // The harness leaks nothing: 21 inferences, not one tensor left behind.
    expect(model.leakedTensorsPerIteration()).toBe(0);
    expect(await model.measureLeak(5)).toBe(0);
    await model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds zoo weights from the seed, matching the .onnx of the same seed', async () => {
    const engine = await createTfjsEngine();
    const model = await engine.load({ ...request, graph: buildGraph('tiny_cnn', { seed: 3 }) });
    await model.bind(tinyInputs(1));
    const got = (await model.runAndRead()).get('logits')!.data;
    await model.dispose();
    const session = await ort.InferenceSession.create(buildOnnx('tiny_cnn', { precision: 'fp32', seed: 3 }));
    const want = (await session.run({ input: new ort.Tensor('float32', ramp(3 * 32 * 32), [1, 3, 32, 32]) }))[
      'logits'
    ]!.data as Float32Array;
    await session.release();
    let diff = 0;
    let scale = 0;
    want.forEach((w, i) => {
      diff = Math.max(diff, Math.abs(got[i]! - w));
      scale = Math.max(scale, Math.abs(w));
    });
    expect(diff / scale).toBeLessThan(1e-4);
  });

  it('refuses fp16 with a one-line E_UNSUPPORTED', async () => {
    const engine = await createTfjsEngine();
    await expect(engine.load({ ...request, precision: 'fp16' })).rejects.toMatchObject({
      code: 'E_UNSUPPORTED',
      message:
        '--precision fp16: TensorFlow.js has no float16 compute on the tensorflow, wasm or cpu backends',
    });
  });

  it('rejects inputs whose shape does not fit, naming the input', async () => {
    const engine = await createTfjsEngine();
    const model = await engine.load(request);
    const bad: HostInputs = new Map([
      ['input', { dtype: 'float32', shape: [1, 32, 32, 3], data: new Float32Array(3072) }],
    ]);
    const e = await model.bind(bad).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).message).toBe("input 'input' of the tfjs model takes ?x3x32x32, not 1x32x32x3");
    await model.dispose();
  });

  it('measures a leak when the model leaks (one tensor per inference)', async () => {
    // A runnable that keeps one extra tensor alive per call, the way a careless model would.
    const kept: tf.Tensor[] = [];
    const leaky: TfjsRunnable = {
      inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1] }],
      execute: (feeds) => {
        kept.push(tf.add(feeds.get('x')!, 1));
        return [tf.mul(feeds.get('x')!, 2)];
      },
      dispose: () => kept.forEach((t) => t.dispose()),
    };
    const choice: BackendChoice = {
      backend: 'wasm',
      usingGpu: false,
      threadsRequested: 0,
      threadsActual: 1,
      skipped: [],
      warnings: [],
    };
    const model = new TfjsLoadedModel(leaky, choice, request);
    await model.bind(new Map([['x', { dtype: 'float32', shape: [1], data: new Float32Array([1.5]) }]]));
    expect((await model.runAndRead()).get('y')?.data).toEqual(new Float32Array([3])); // 1.5 * 2
    for (let i = 0; i < 3; i++) await model.run();
    expect(model.leakedTensorsPerIteration()).toBe(1); // 4 runs, 4 tensors kept
    expect(await model.measureLeak(4)).toBe(1);
    await model.dispose();
  });
});
