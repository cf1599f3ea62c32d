/**
 * The model pair of the A/B sensitivity benchmark: A is a plain CNN whose body is `layers` identical
 * 3x3 conv + ReLU blocks; B is A with `extra` more such blocks, so B's extra cost is a whole number of
 * blocks the analyzer counts, not a timer. Both are written as ONNX files and their MACs read back
 * with the analyzer, which is what the benchmark reports as the pair's known slowdown.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeModel } from '../../src/analyze/index.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { emitOnnx } from '../../src/graph/onnx-emit.js';

/** The pair's shape; the defaults give B about 5 % more MACs than A. */
export interface PairShape {
  /** Body blocks in A. */
  layers: number;
  /** Blocks B adds after A's body. */
  extra: number;
  channels: number;
  /** Side of the square feature map the body runs at (the input is twice this, after a stride-2 stem). */
  size: number;
}

/** A: 20 body blocks; B adds 1, so B's MACs are A's times about 1.05 (the stem and head are small). */
export const DEFAULT_PAIR: PairShape = { layers: 20, extra: 1, channels: 32, size: 16 };

function buildCnn(name: string, blocks: number, s: PairShape): Uint8Array {
  const b = new GraphBuilder(name, 1);
  let y = b.input('input', ['N', 3, s.size * 2, s.size * 2]);
  y = b.relu(b.conv(y, { name: 'stem', out: s.channels, kernel: 3, stride: 2, bias: true }));
  for (let i = 0; i < blocks; i++)
    y = b.relu(b.conv(y, { name: `body.${i}`, out: s.channels, kernel: 3, bias: true }));
  const pooled = b.flatten(b.globalAvgPool(y));
  const u = { kind: 'uniform', low: -0.1, high: 0.1 } as const;
  const logits = b.linear(pooled, { name: 'fc', out: 10, init: u, biasInit: u });
  return emitOnnx(b.finish(logits, 'logits'), {
    precision: 'fp32',
    producerVersion: 'ab-sensitivity',
    docString: `h100e A/B sensitivity model ${name}: ${blocks} conv blocks (not a published model)`,
  });
}

/** The written pair and each model's MACs at batch 1, from the analyzer. */
export interface ModelPair {
  a: string;
  b: string;
  macsA: number;
  macsB: number;
}

/** Writes A (`ab-a.onnx`) and B (`ab-b.onnx`) into `dir`. */
export function writeModelPair(dir: string, s: PairShape = DEFAULT_PAIR): ModelPair {
  const a = join(dir, 'ab-a.onnx');
  const b = join(dir, 'ab-b.onnx');
  const bytesA = buildCnn('ab_a', s.layers, s);
  const bytesB = buildCnn('ab_b', s.layers + s.extra, s);
  writeFileSync(a, bytesA);
  writeFileSync(b, bytesB);
  return { a, b, macsA: analyzeModel(bytesA).macs, macsB: analyzeModel(bytesB).macs };
}
