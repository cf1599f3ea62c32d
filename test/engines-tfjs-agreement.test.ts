/**
 * The tfjs interpreter of the zoo IR computes the same function as onnxruntime-node on the .onnx
 * built from the same graph (same weights). Metric: relErr = max|tfjs - ort| / max|ort| over all
 * logits, fp32, batch 1; pass when below 1e-4. One model per family (the smallest member).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTfjsBackend } from '../src/engines/tfjs-backend.js';
import { compareWithOrt, relativeError } from './engines-tfjs-compare.js';

describe('zoo graphs on tfjs (wasm) agree with onnxruntime-node', () => {
  beforeAll(async () => {
    await selectTfjsBackend({ device: 'cpu', threads: 0, force: 'wasm' });
  });

  it('relativeError is max|a-b| / max|b|', () => {
    // diffs 0.5 and 0.1, max|b| = 4 -> 0.5 / 4 = 0.125
    expect(relativeError(new Float32Array([1.5, 3.9]), new Float32Array([1, 4]))).toBe(0.125);
  });

  for (const name of [
    'tiny_cnn',
    'resnet18',
    'mobilenet_v2',
    'mobilenet_v3_small',
    'efficientnet_b0',
    'squeezenet1_1',
    'convnext_tiny',
    'vit_b_16',
  ]) {
    it(`${name}: relative error < 1e-4`, async () => {
      const { relErr, shape } = await compareWithOrt(name);
      expect(shape).toEqual([1, 1000]);
      expect(relErr).toBeLessThan(1e-4);
    });
  }
});
