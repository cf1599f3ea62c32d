/**
 * tiny_cnn: not a published architecture. A few-layer CNN at 32x32 for fast tests that still
 * exercises the common ops (conv, depthwise conv, BN, ReLU/ReLU6/Hardswish, squeeze-excitation,
 * residual add, max pool, global pool, Gemm).
 */
import type { GraphBuilder, Value } from '../src/graph/builder.js';
import { convBnAct, squeezeExcite } from '../src/graph/layers.js';
import type { ZooModelDef } from './types.js';

function tinyCnn(b: GraphBuilder, x: Value): Value {
  let y = convBnAct(b, x, { name: 'stem', out: 16, kernel: 3, act: 'relu' }); // 432 + 32 params
  y = convBnAct(b, y, { name: 'dw', out: 16, kernel: 3, stride: 2, groups: 16, act: 'relu6' }); // 144 + 32, -> 16x16
  y = convBnAct(b, y, { name: 'pw', out: 32, kernel: 1, act: 'hardswish' }); // 512 + 64
  y = squeezeExcite(b, y, { name: 'se', squeeze: 8, act: 'relu', gate: 'hardsigmoid' }); // 264 + 288
  const r = b.batchNorm(b.conv(y, { name: 'res.0', out: 32, kernel: 3 }), 'res.1'); // 9216 + 64
  y = b.maxPool(b.relu(b.add(r, y)), { kernel: 2, stride: 2 }); // -> 8x8
  const pooled = b.flatten(b.globalAvgPool(y));
  const u = { kind: 'uniform', low: -1 / Math.sqrt(32), high: 1 / Math.sqrt(32) } as const; // nn.Linear default
  return b.linear(pooled, { name: 'fc', out: 1000, init: u, biasInit: u }); // 32000 + 1000
}

/** tiny_cnn: 44,048 params (sum of the comments above), input 32x32. */
export const tinyModels: ZooModelDef[] = [
  {
    entry: {
      name: 'tiny_cnn',
      family: 'tiny',
      description: 'Tiny 5-conv CNN at 32x32 for fast tests (not a published model)',
      paper: 'none (h100e test model)',
      inputShape: ['N', 3, 32, 32],
    },
    build: tinyCnn,
  },
];
