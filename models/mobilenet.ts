/**
 * MobileNetV2 and MobileNetV3 (torchvision.models.mobilenetv2 / mobilenetv3), width 1.0.
 * Init as torchvision: convs kaiming normal fan_out (bias zeros), Linear normal(0, 0.01) with zero bias.
 */
import type { GraphBuilder, Value } from '../src/graph/builder.js';
import { type Activation, convBnAct, makeDivisible, squeezeExcite } from '../src/graph/layers.js';
import type { ZooModelDef } from './types.js';

const LINEAR_INIT = { kind: 'normal', std: 0.01 } as const;

/** MobileNetV2 InvertedResidual; module paths follow torchvision's `features.i.conv.j`. */
function invertedResidualV2(
  b: GraphBuilder,
  x: Value,
  p: string,
  out: number,
  stride: number,
  t: number,
): Value {
  const cin = b.channels(x);
  const hidden = Math.round(cin * t);
  let y = x;
  let j = 0;
  if (t !== 1) y = convBnAct(b, y, { name: `${p}.conv.${j++}`, out: hidden, kernel: 1, act: 'relu6' });
  y = convBnAct(b, y, {
    name: `${p}.conv.${j++}`,
    out: hidden,
    kernel: 3,
    stride,
    groups: hidden,
    act: 'relu6',
  });
  y = b.batchNorm(b.conv(y, { name: `${p}.conv.${j}`, out, kernel: 1 }), `${p}.conv.${j + 1}`);
  return stride === 1 && cin === out ? b.add(x, y) : y;
}

function mobilenetV2(b: GraphBuilder, input: Value): Value {
  b.convFanMode = 'fan_in'; // deviation from torchvision's fan_out: see GraphBuilder.convFanMode
  // t (expansion), c (channels), n (repeats), s (first stride)
  const setting: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let x = convBnAct(b, input, {
    name: 'features.0',
    out: makeDivisible(32),
    kernel: 3,
    stride: 2,
    act: 'relu6',
  });
  let f = 1;
  for (const [t, c, n, s] of setting) {
    for (let i = 0; i < n; i++)
      x = invertedResidualV2(b, x, `features.${f++}`, makeDivisible(c), i === 0 ? s : 1, t);
  }
  x = convBnAct(b, x, { name: `features.${f}`, out: makeDivisible(1280), kernel: 1, act: 'relu6' });
  return b.linear(b.flatten(b.globalAvgPool(x)), { name: 'classifier.1', out: 1000, init: LINEAR_INIT });
}

/** torchvision InvertedResidualConfig (width 1.0, dilation 1). */
interface V3Block {
  cin: number;
  kernel: number;
  expanded: number;
  out: number;
  se: boolean;
  act: 'RE' | 'HS';
  stride: number;
}

const v3 = (
  cin: number,
  kernel: number,
  expanded: number,
  out: number,
  se: boolean,
  act: 'RE' | 'HS',
  stride: number,
): V3Block => ({
  cin,
  kernel,
  expanded,
  out,
  se,
  act,
  stride,
});

// mobilenetv3._mobilenet_v3_conf("mobilenet_v3_large")
const LARGE: V3Block[] = [
  v3(16, 3, 16, 16, false, 'RE', 1),
  v3(16, 3, 64, 24, false, 'RE', 2),
  v3(24, 3, 72, 24, false, 'RE', 1),
  v3(24, 5, 72, 40, true, 'RE', 2),
  v3(40, 5, 120, 40, true, 'RE', 1),
  v3(40, 5, 120, 40, true, 'RE', 1),
  v3(40, 3, 240, 80, false, 'HS', 2),
  v3(80, 3, 200, 80, false, 'HS', 1),
  v3(80, 3, 184, 80, false, 'HS', 1),
  v3(80, 3, 184, 80, false, 'HS', 1),
  v3(80, 3, 480, 112, true, 'HS', 1),
  v3(112, 3, 672, 112, true, 'HS', 1),
  v3(112, 5, 672, 160, true, 'HS', 2),
  v3(160, 5, 960, 160, true, 'HS', 1),
  v3(160, 5, 960, 160, true, 'HS', 1),
];

// mobilenetv3._mobilenet_v3_conf("mobilenet_v3_small")
const SMALL: V3Block[] = [
  v3(16, 3, 16, 16, true, 'RE', 2),
  v3(16, 3, 72, 24, false, 'RE', 2),
  v3(24, 3, 88, 24, false, 'RE', 1),
  v3(24, 5, 96, 40, true, 'HS', 2),
  v3(40, 5, 240, 40, true, 'HS', 1),
  v3(40, 5, 240, 40, true, 'HS', 1),
  v3(40, 5, 120, 48, true, 'HS', 1),
  v3(48, 5, 144, 48, true, 'HS', 1),
  v3(48, 5, 288, 96, true, 'HS', 2),
  v3(96, 5, 576, 96, true, 'HS', 1),
  v3(96, 5, 576, 96, true, 'HS', 1),
];

/**
 * MobileNetV3's BatchNorm epsilon: torchvision builds it with
 * `norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)` (models/mobilenetv3.py), not the
 * 1e-5 default the other zoo models use; bench/anchors/torchvision-parity.ts caught the difference.
 */
const V3_BN_EPS = 1e-3;

/** MobileNetV3 InvertedResidual: [expand 1x1] -> depthwise kxk -> [SE] -> project 1x1 (+ residual). */
function invertedResidualV3(b: GraphBuilder, x: Value, p: string, c: V3Block): Value {
  const act: Activation = c.act === 'HS' ? 'hardswish' : 'relu';
  const cin = makeDivisible(c.cin);
  const expanded = makeDivisible(c.expanded);
  const out = makeDivisible(c.out);
  let y = x;
  let j = 0;
  if (expanded !== cin)
    y = convBnAct(b, y, { name: `${p}.block.${j++}`, out: expanded, kernel: 1, act, eps: V3_BN_EPS });
  y = convBnAct(b, y, {
    name: `${p}.block.${j++}`,
    out: expanded,
    kernel: c.kernel,
    stride: c.stride,
    groups: expanded,
    act,
    eps: V3_BN_EPS,
  });
  if (c.se)
    y = squeezeExcite(b, y, {
      name: `${p}.block.${j++}`,
      squeeze: makeDivisible(Math.floor(expanded / 4)),
      act: 'relu',
      gate: 'hardsigmoid',
    });
  y = convBnAct(b, y, { name: `${p}.block.${j}`, out, kernel: 1, act: 'none', eps: V3_BN_EPS });
  return c.stride === 1 && cin === out ? b.add(x, y) : y;
}

function mobilenetV3(blocks: V3Block[], lastChannel: number) {
  return (b: GraphBuilder, input: Value): Value => {
    b.convFanMode = 'fan_in'; // deviation from torchvision's fan_out: see GraphBuilder.convFanMode
    const first = blocks[0];
    if (!first) throw new Error('empty MobileNetV3 config');
    let x = convBnAct(b, input, {
      name: 'features.0',
      out: first.cin,
      kernel: 3,
      stride: 2,
      act: 'hardswish',
      eps: V3_BN_EPS,
    });
    blocks.forEach((c, i) => (x = invertedResidualV3(b, x, `features.${i + 1}`, c)));
    x = convBnAct(b, x, {
      name: `features.${blocks.length + 1}`,
      out: 6 * b.channels(x),
      kernel: 1,
      act: 'hardswish',
      eps: V3_BN_EPS,
    });
    const h = b.hardSwish(
      b.linear(b.flatten(b.globalAvgPool(x)), { name: 'classifier.0', out: lastChannel, init: LINEAR_INIT }),
    );
    return b.linear(h, { name: 'classifier.3', out: 1000, init: LINEAR_INIT });
  };
}

/** Expected figures: torchvision model docs (MobileNet_V2/V3_*_Weights.IMAGENET1K_V1 meta num_params and _ops). */
export const mobilenetModels: ZooModelDef[] = [
  {
    entry: {
      name: 'mobilenet_v2',
      family: 'mobilenet',
      description: 'MobileNetV2 1.0 (inverted residuals, ReLU6)',
      paper:
        'Sandler et al., MobileNetV2: Inverted Residuals and Linear Bottlenecks, CVPR 2018 (arXiv:1801.04381)',
      inputShape: ['N', 3, 224, 224],
      expected: { params: 3_504_872, gmacs: 0.301 },
    },
    build: mobilenetV2,
  },
  {
    entry: {
      name: 'mobilenet_v3_small',
      family: 'mobilenet',
      description: 'MobileNetV3-Small 1.0 (SE, Hardswish)',
      paper: 'Howard et al., Searching for MobileNetV3, ICCV 2019 (arXiv:1905.02244)',
      inputShape: ['N', 3, 224, 224],
      expected: { params: 2_542_856, gmacs: 0.057 },
    },
    build: mobilenetV3(SMALL, makeDivisible(1024)),
  },
  {
    entry: {
      name: 'mobilenet_v3_large',
      family: 'mobilenet',
      description: 'MobileNetV3-Large 1.0 (SE, Hardswish)',
      paper: 'Howard et al., Searching for MobileNetV3, ICCV 2019 (arXiv:1905.02244)',
      inputShape: ['N', 3, 224, 224],
      expected: { params: 5_483_032, gmacs: 0.217 },
    },
    build: mobilenetV3(LARGE, makeDivisible(1280)),
  },
];
