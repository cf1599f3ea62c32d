/**
 * User model.json files loaded from disk with no network: a layers model saved by tfjs itself and a
 * hand-written graph model, plus the one-line errors for missing shards, wrong files and shapes.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BenchError } from '../src/core/errors.js';
import type { LoadRequest } from '../src/engines/engine.js';
import { selectTfjsBackend } from '../src/engines/tfjs-backend.js';
import { createTfjsEngine } from '../src/engines/tfjs.js';

const root = mkdtempSync(join(tmpdir(), 'h100e-tfjs-'));

function request(modelPath: string): LoadRequest {
  return { modelPath, device: 'cpu', precision: 'fp32', threads: 0, transfer: 'include' };
}

/** Saves `model` the way tfjs's file handlers do: model.json + one weights.bin shard. */
async function saveLayers(model: tf.LayersModel, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(weights));
      const json = {
        format: 'layers-model',
        generatedBy: 'test',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}

/** A graph model by hand: y = MatMul(x, w), x [-1, 2], w = [[2], [3]] from w.bin. */
function writeGraphModel(dir: string, opts: { shard?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  const json = {
    format: 'graph-model',
    modelTopology: {
      node: [
        {
          name: 'x',
          op: 'Placeholder',
          attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } },
        },
        {
          name: 'w',
          op: 'Const',
          attr: {
            dtype: { type: 'DT_FLOAT' },
            value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }, { size: '1' }] } } },
          },
        },
        {
          name: 'y',
          op: 'MatMul',
          input: ['x', 'w'],
          attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } },
        },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'w', shape: [2, 1], dtype: 'float32' }] }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  if (opts.shard !== false) writeFileSync(join(dir, 'w.bin'), Buffer.from(new Float32Array([2, 3]).buffer));
  return join(dir, 'model.json');
}

async function loadError(path: string): Promise<BenchError> {
  const engine = await createTfjsEngine();
  const e = await engine.load(request(path)).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(BenchError);
  return e as BenchError;
}

describe('tfjs model.json from disk', () => {
  beforeAll(() => selectTfjsBackend({ device: 'cpu', threads: 0 }));

  it('runs a layers model saved by tfjs and gives the same outputs as the in-memory model', async () => {
    const dense = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [3],
          units: 2,
          kernelInitializer: 'ones',
          biasInitializer: 'ones',
          activation: 'relu',
        }),
      ],
    });
    const path = await saveLayers(dense, join(root, 'layers'));
    dense.dispose();
    const engine = await createTfjsEngine();
    const model = await engine.load(request(path));
    expect(model.inputs).toEqual([{ name: model.inputs[0]!.name, dtype: 'float32', shape: [null, 3] }]);
    await model.bind(
      new Map([
        [model.inputs[0]!.name, { dtype: 'float32', shape: [1, 3], data: new Float32Array([1, 2, -4]) }],
      ]),
    );
    const out = [...(await model.runAndRead()).values()][0]!;
    // relu(1 + 2 - 4 + 1) = relu(0) = 0 for both units (all-ones kernel and bias)
    expect(out.shape).toEqual([1, 2]);
    expect(Array.from(out.data)).toEqual([0, 0]);
    await model.run();
    expect(model.leakedTensorsPerIteration()).toBe(0);
    await model.dispose();
  });

  it('runs a graph model: y = x . [[2], [3]]', async () => {
    const engine = await createTfjsEngine();
    const model = await engine.load(request(writeGraphModel(join(root, 'graph'))));
    expect(model.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [null, 2] }]);
    await model.bind(
      new Map([['x', { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 1, 2, -1]) }]]),
    );
    const out = (await model.runAndRead()).get('y')!;
    // [1,1]·[2,3] = 5; [2,-1]·[2,3] = 1
    expect(out.shape).toEqual([2, 1]);
    expect(Array.from(out.data)).toEqual([5, 1]);
    await model.dispose();
  });

  it('names a missing weight shard', async () => {
    const e = await loadError(writeGraphModel(join(root, 'noshard'), { shard: false }));
    expect(e.code).toBe('E_FILE_NOT_FOUND');
    expect(e.message).toMatch(
      /^weight shard w\.bin listed in .*model\.json is missing \(looked for .*noshard\/w\.bin\)$/,
    );
  });

  it('rejects a JSON file that is not a tfjs model', async () => {
    const path = join(root, 'other.json');
    writeFileSync(path, JSON.stringify({ name: 'not a model' }));
    const e = await loadError(path);
    expect(e.code).toBe('E_BAD_INPUT');
    expect(e.message).toBe(`--model ${path} is not a TensorFlow.js model.json (no modelTopology)`);
  });

  it('rejects a file that is not JSON at all', async () => {
    const path = join(root, 'broken.json');
    writeFileSync(path, 'ONNX\u0000binary');
    const e = await loadError(path);
    expect(e.code).toBe('E_FILE_CORRUPT');
    expect(e.message).toMatch(/is not valid JSON/);
  });

  it('rejects shards that do not match the manifest size', async () => {
    const path = writeGraphModel(join(root, 'short'));
    writeFileSync(join(root, 'short', 'w.bin'), Buffer.from(new Float32Array([2]).buffer));
    const e = await loadError(path);
    expect(e.code).toBe('E_FILE_CORRUPT');
    // manifest: 2 x 1 float32 = 8 bytes; the shard holds one float = 4
    expect(e.message).toBe(`the weight shards of ${path} hold 4 bytes but weightsManifest needs 8`);
  });

  it('reports a missing model.json as a usage error', async () => {
    const e = await loadError(join(root, 'nope', 'model.json'));
    expect(e.code).toBe('E_FILE_NOT_FOUND');
    expect(e.exitCode).toBe(2);
  });

  it('rejects an input shape that does not fit, in one line', async () => {
    const engine = await createTfjsEngine();
    const model = await engine.load(request(writeGraphModel(join(root, 'shape'))));
    const e = await model
      .bind(new Map([['x', { dtype: 'float32', shape: [1, 3], data: new Float32Array(3) }]]))
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).code).toBe('E_BAD_INPUT');
    expect((e as BenchError).message).toBe("input 'x' of the tfjs model takes ?x2, not 1x3");
    expect((e as BenchError).hint).toMatch(/--shape x:1x2/);
    await model.dispose();
  });
});
