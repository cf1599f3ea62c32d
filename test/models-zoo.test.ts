import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildGraph, listZoo } from '../models/index.js';
import { Mulberry32 } from '../src/graph/init.js';
import { countParams } from '../src/graph/ir.js';
import { emitOnnx } from '../src/graph/onnx-emit.js';

// torchvision's sum(p.numel() for p in model.parameters()) (weights meta num_params); tiny_cnn
// is ours: 464 + 176 + 576 + 264 + 288 + 9280 + 33000 = 44,048 (per-layer sums in models/tiny.ts).
const PARAMS: Record<string, number> = {
  tiny_cnn: 44_048,
  resnet18: 11_689_512,
  resnet50: 25_557_032,
  mobilenet_v2: 3_504_872,
  mobilenet_v3_small: 2_542_856,
  mobilenet_v3_large: 5_483_032,
  efficientnet_b0: 5_288_548,
  squeezenet1_1: 1_235_496,
  convnext_tiny: 28_589_128,
  vit_b_16: 86_567_656,
};

describe('zoo models', () => {
  it('lists exactly the expected models, with expected figures matching the table', () => {
    expect(
      listZoo()
        .map((e) => e.name)
        .sort(),
    ).toEqual(Object.keys(PARAMS).sort());
    for (const e of listZoo()) if (e.name !== 'tiny_cnn') expect(e.expected?.params).toBe(PARAMS[e.name]);
  });

  for (const entry of listZoo()) {
    it(`${entry.name}: torchvision's parameter count, runs on ORT CPU at batch 2 with sane logits`, async () => {
      let graph: ReturnType<typeof buildGraph> | undefined = buildGraph(entry.name, { seed: 0 });
      expect(countParams(graph)).toBe(PARAMS[entry.name]);
      expect(graph.outputs[0]?.shape).toEqual(['N', 1000]);
      const bytes = emitOnnx(graph, { precision: 'fp32', producerVersion: 'test' });
      graph = undefined; // let the fp32 weights go before ORT copies them
      const session = await ort.InferenceSession.create(bytes);
      const [, c, h, w] = entry.inputShape;
      // Two different "images" in one batch: a smooth per-channel pattern (photos differ mostly in
      // low frequencies, which global pooling keeps) plus noise; image 1 has the pattern mirrored.
      const rng = new Mulberry32(7);
      const data = new Float32Array(2 * c * h * w);
      let i = 0;
      for (let n = 0; n < 2; n++)
        for (let ch = 0; ch < c; ch++)
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              const u = n === 0 ? x / w : 1 - x / w;
              data[i++] =
                Math.sin(2 * Math.PI * (u + ch / 3)) * Math.cos((Math.PI * y) / h) + (rng.nextOpen01() - 0.5);
            }
      const out = (await session.run({ input: new ort.Tensor('float32', data, [2, c, h, w]) })).logits;
      await session.release();
      expect(out?.dims).toEqual([2, 1000]);
      const logits = out?.data as Float32Array;
      expect(logits.every(Number.isFinite)).toBe(true);
      const mean = logits.reduce((s, v) => s + v, 0) / logits.length;
      const std = Math.sqrt(logits.reduce((s, v) => s + (v - mean) ** 2, 0) / logits.length);
      let diff = 0;
      for (let i = 0; i < 1000; i++) diff += Math.abs((logits[i] ?? 0) - (logits[i + 1000] ?? 0)) / 1000;
      // Not degenerate: logits spread over classes, neither vanishing nor near fp16 range, and the
      // two images get different logits well above float32 rounding (~1e-7 relative). Deep random
      // ReLU nets map different inputs to strongly correlated outputs (the shared part is most of
      // the spread), so the bar is "depends on the input", not "as different as a trained net".
      expect(std).toBeGreaterThan(1e-3);
      expect(std).toBeLessThan(1e3);
      expect(diff).toBeGreaterThan(1e-3 * std);
    });
  }
});
