/**
 * EfficientNet-B0 (torchvision.models.efficientnet, width 1.0, depth 1.0). MBConv: expand 1x1 ->
 * depthwise kxk -> SE (squeeze = max(1, block *input* channels // 4), SiLU, sigmoid gate) ->
 * project 1x1 (+ residual). Init as torchvision: convs kaiming normal fan_out, Linear
 * U(±1/sqrt(out_features)) with zero bias.
 */
import type { GraphBuilder, Value } from '../src/graph/builder.js';
import { convBnAct, makeDivisible, squeezeExcite } from '../src/graph/layers.js';
import type { ZooModelDef } from './types.js';

// MBConvConfig(expand_ratio, kernel, stride, input_channels, out_channels, num_layers) for B0.
const B0: [number, number, number, number, number, number][] = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];

function mbconv(
  b: GraphBuilder,
  x: Value,
  p: string,
  expandRatio: number,
  kernel: number,
  stride: number,
  out: number,
): Value {
  const cin = b.channels(x);
  const expanded = makeDivisible(cin * expandRatio);
  let y = x;
  let j = 0;
  if (expanded !== cin)
    y = convBnAct(b, y, { name: `${p}.block.${j++}`, out: expanded, kernel: 1, act: 'silu' });
  y = convBnAct(b, y, {
    name: `${p}.block.${j++}`,
    out: expanded,
    kernel,
    stride,
    groups: expanded,
    act: 'silu',
  });
  y = squeezeExcite(b, y, {
    name: `${p}.block.${j++}`,
    squeeze: Math.max(1, Math.floor(cin / 4)),
    act: 'silu',
    gate: 'sigmoid',
  });
  y = convBnAct(b, y, { name: `${p}.block.${j}`, out, kernel: 1, act: 'none' });
  return stride === 1 && cin === out ? b.add(x, y) : y;
}

function efficientnetB0(b: GraphBuilder, input: Value): Value {
  b.convFanMode = 'fan_in'; // deviation from torchvision's fan_out: see GraphBuilder.convFanMode
  let x = convBnAct(b, input, {
    name: 'features.0',
    out: makeDivisible(32),
    kernel: 3,
    stride: 2,
    act: 'silu',
  });
  B0.forEach(([t, k, s, , c, n], stage) => {
    for (let i = 0; i < n; i++)
      x = mbconv(b, x, `features.${stage + 1}.${i}`, t, k, i === 0 ? s : 1, makeDivisible(c));
  });
  x = convBnAct(b, x, { name: `features.${B0.length + 1}`, out: 4 * b.channels(x), kernel: 1, act: 'silu' });
  const bound = 1 / Math.sqrt(1000);
  return b.linear(b.flatten(b.globalAvgPool(x)), {
    name: 'classifier.1',
    out: 1000,
    init: { kind: 'uniform', low: -bound, high: bound },
  });
}

/** Expected figures: torchvision model docs (EfficientNet_B0_Weights.IMAGENET1K_V1 meta). */
export const efficientnetModels: ZooModelDef[] = [
  {
    entry: {
      name: 'efficientnet_b0',
      family: 'efficientnet',
      description: 'EfficientNet-B0 (MBConv + SE, SiLU)',
      paper:
        'Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, ICML 2019 (arXiv:1905.11946)',
      inputShape: ['N', 3, 224, 224],
      expected: { params: 5_288_548, gmacs: 0.386 },
    },
    build: efficientnetB0,
  },
];
