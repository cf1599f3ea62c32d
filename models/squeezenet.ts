/**
 * SqueezeNet 1.1 (torchvision.models.squeezenet): Fire modules, ceil-mode max pools, classifier
 * = final 1x1 conv (bias) + ReLU + global average pool. Init as torchvision: final conv
 * normal(0, 0.01), other convs kaiming_uniform (a=0: U(±sqrt(6 / fan_in))), biases zero.
 */
import type { GraphBuilder, Value } from '../src/graph/builder.js';
import type { InitSpec } from '../src/graph/init.js';
import type { ZooModelDef } from './types.js';

function kaimingUniform(fanIn: number): InitSpec {
  const bound = Math.sqrt(6 / fanIn);
  return { kind: 'uniform', low: -bound, high: bound };
}

function conv(
  b: GraphBuilder,
  x: Value,
  name: string,
  out: number,
  kernel: number,
  stride = 1,
  pad = 0,
): Value {
  const init = kaimingUniform(b.channels(x) * kernel * kernel);
  return b.relu(b.conv(x, { name, out, kernel, stride, pad, bias: true, init }));
}

function fire(b: GraphBuilder, x: Value, p: string, squeeze: number, e1: number, e3: number): Value {
  const s = conv(b, x, `${p}.squeeze`, squeeze, 1);
  return b.concat([conv(b, s, `${p}.expand1x1`, e1, 1), conv(b, s, `${p}.expand3x3`, e3, 3, 1, 1)], 1);
}

function squeezenet11(b: GraphBuilder, input: Value): Value {
  const pool = (v: Value) => b.maxPool(v, { kernel: 3, stride: 2, ceil: true });
  let x = pool(conv(b, input, 'features.0', 64, 3, 2));
  x = fire(b, x, 'features.3', 16, 64, 64);
  x = pool(fire(b, x, 'features.4', 16, 64, 64));
  x = fire(b, x, 'features.6', 32, 128, 128);
  x = pool(fire(b, x, 'features.7', 32, 128, 128));
  x = fire(b, x, 'features.9', 48, 192, 192);
  x = fire(b, x, 'features.10', 48, 192, 192);
  x = fire(b, x, 'features.11', 64, 256, 256);
  x = fire(b, x, 'features.12', 64, 256, 256);
  const logits = b.relu(
    b.conv(x, {
      name: 'classifier.1',
      out: 1000,
      kernel: 1,
      bias: true,
      init: { kind: 'normal', std: 0.01 },
    }),
  );
  return b.flatten(b.globalAvgPool(logits));
}

/** Expected figures: torchvision model docs (SqueezeNet1_1_Weights.IMAGENET1K_V1 meta). */
export const squeezenetModels: ZooModelDef[] = [
  {
    entry: {
      name: 'squeezenet1_1',
      family: 'squeezenet',
      description: 'SqueezeNet 1.1 (Fire modules, conv classifier)',
      paper:
        'Iandola et al., SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size, 2016 (arXiv:1602.07360)',
      inputShape: ['N', 3, 224, 224],
      expected: { params: 1_235_496, gmacs: 0.349 },
    },
    build: squeezenet11,
  },
];
