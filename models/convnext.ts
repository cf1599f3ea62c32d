/**
 * ConvNeXt-Tiny (torchvision.models.convnext). CNBlock: depthwise 7x7 (bias) -> permute to NHWC
 * -> LayerNorm (eps 1e-6) -> Linear 4C -> GELU -> Linear C -> permute back -> layer scale
 * (init 1e-6, shape [C,1,1]) -> + input (stochastic depth is identity at inference). Init as
 * torchvision: conv and linear weights trunc_normal(std 0.02), biases zero.
 */
import type { GraphBuilder, Value } from '../src/graph/builder.js';
import { layerNorm2d } from '../src/graph/layers.js';
import type { ZooModelDef } from './types.js';

const TN = { kind: 'truncNormal', std: 0.02 } as const;
const EPS = 1e-6;

function cnBlock(b: GraphBuilder, x: Value, p: string): Value {
  const c = b.channels(x);
  let y = b.conv(x, { name: `${p}.block.0`, out: c, kernel: 7, pad: 3, groups: c, bias: true, init: TN });
  y = b.layerNorm(b.transpose(y, [0, 2, 3, 1]), `${p}.block.2`, EPS);
  y = b.linear(y, { name: `${p}.block.3`, out: 4 * c, init: TN });
  y = b.linear(b.gelu(y), { name: `${p}.block.5`, out: c, init: TN });
  y = b.transpose(y, [0, 3, 1, 2]);
  const scale = b.param(`${p}.layer_scale`, [c, 1, 1], { kind: 'fill', value: 1e-6 });
  return b.add(b.mul(y, scale), x);
}

function convnextTiny(b: GraphBuilder, input: Value): Value {
  const stages: [number, number | null, number][] = [
    [96, 192, 3],
    [192, 384, 3],
    [384, 768, 9],
    [768, null, 3],
  ];
  let x = b.conv(input, {
    name: 'features.0.0',
    out: 96,
    kernel: 4,
    stride: 4,
    pad: 0,
    bias: true,
    init: TN,
  });
  x = layerNorm2d(b, x, 'features.0.1', EPS);
  let f = 1;
  for (const [, out, n] of stages) {
    for (let i = 0; i < n; i++) x = cnBlock(b, x, `features.${f}.${i}`);
    f++;
    if (out !== null) {
      x = layerNorm2d(b, x, `features.${f}.0`, EPS);
      x = b.conv(x, { name: `features.${f}.1`, out, kernel: 2, stride: 2, pad: 0, bias: true, init: TN });
      f++;
    }
  }
  // classifier = LayerNorm2d -> Flatten -> Linear on the pooled [N, C, 1, 1]; with 1x1 spatial,
  // normalising over C after flattening is the same computation.
  const pooled = b.layerNorm(b.flatten(b.globalAvgPool(x)), 'classifier.0', EPS);
  return b.linear(pooled, { name: 'classifier.2', out: 1000, init: TN });
}

/** Expected figures: torchvision model docs (ConvNeXt_Tiny_Weights.IMAGENET1K_V1 meta). */
export const convnextModels: ZooModelDef[] = [
  {
    entry: {
      name: 'convnext_tiny',
      family: 'convnext',
      description: 'ConvNeXt-Tiny (depthwise 7x7, LayerNorm, GELU, layer scale)',
      paper: 'Liu et al., A ConvNet for the 2020s, CVPR 2022 (arXiv:2201.03545)',
      inputShape: ['N', 3, 224, 224],
      expected: { params: 28_589_128, gmacs: 4.456 },
    },
    build: convnextTiny,
  },
];
