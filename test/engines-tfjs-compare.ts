/**
 * The tfjs interpreter of a zoo graph against onnxruntime-node on the .onnx built from the same graph
 * (same weights), on the tfjs backend the calling test set up. Metric: relErr = max|tfjs - ort| /
 * max|ort| over all logits, fp32, batch 1.
 */
import ort from 'onnxruntime-node';
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildGraph } from '../models/index.js';
import { compileGraph } from '../src/engines/tfjs-graph.js';
import { emitOnnx } from '../src/graph/onnx-emit.js';

/** Deterministic input in [-1, 1): an LCG, so the test needs no engine RNG. */
function input(n: number): Float32Array {
  const out = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** max|a - b| / max|b|. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** Runs zoo model `name` (seed 7) on tfjs and on onnxruntime; the relative error and tfjs's output shape. */
export async function compareWithOrt(name: string): Promise<{ relErr: number; shape: number[] }> {
  const graph = buildGraph(name, { seed: 7 });
  const [c, h, w] = graph.inputs[0]!.shape.slice(1) as number[];
  const shape = [1, c!, h!, w!];
  const x = input(shape.reduce((p, d) => p * d, 1));
  const runner = compileGraph(graph);
  const feed = tf.tensor(x, shape);
  const feeds = new Map([[graph.inputs[0]!.name, feed]]);
  // The first run may create kept constants (layout-converted weights); later runs add nothing.
  (await runner.execute(feeds)).forEach((t) => t.dispose());
  const before = tf.memory().numTensors;
  const [y] = await runner.execute(feeds);
  const got = (await y!.data()) as Float32Array;
  const outShape = [...y!.shape];
  y!.dispose();
  // The interpreter frees every intermediate: only its outputs (disposed above) were new.
  expect(tf.memory().numTensors).toBe(before);
  feed.dispose();
  runner.dispose();

  const session = await ort.InferenceSession.create(
    emitOnnx(graph, { precision: 'fp32', producerVersion: 'test', consumeGraph: true }),
  );
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) });
  const want = out[session.outputNames[0]!]!.data as Float32Array;
  await session.release();
  expect(outShape).toEqual([...out[session.outputNames[0]!]!.dims]);
  return { relErr: relativeError(got, want), shape: outShape };
}
