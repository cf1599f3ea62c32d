/**
 * ResNet (torchvision.models.resnet): BasicBlock for resnet18, Bottleneck v1.5 (stride on the
 * 3x3 conv) for resnet50. Init as torchvision: convs kaiming normal fan_out, fc nn.Linear default
 * (kaiming_uniform a=sqrt(5) => U(±1/sqrt(fan_in)) for weight and bias).
 */
import type { GraphBuilder, Value } from '../src/graph/builder.js';
import type { ZooModelDef } from './types.js';

type BlockKind = 'basic' | 'bottleneck';

function convBn(
  b: GraphBuilder,
  x: Value,
  name: string,
  bn: string,
  out: number,
  kernel: number,
  stride = 1,
): Value {
  return b.batchNorm(b.conv(x, { name, out, kernel, stride }), bn);
}

function block(b: GraphBuilder, x: Value, p: string, kind: BlockKind, planes: number, stride: number): Value {
  const expansion = kind === 'basic' ? 1 : 4;
  const cin = b.channels(x);
  let y: Value;
  if (kind === 'basic') {
    y = b.relu(convBn(b, x, `${p}.conv1`, `${p}.bn1`, planes, 3, stride));
    y = convBn(b, y, `${p}.conv2`, `${p}.bn2`, planes, 3);
  } else {
    y = b.relu(convBn(b, x, `${p}.conv1`, `${p}.bn1`, planes, 1));
    y = b.relu(convBn(b, y, `${p}.conv2`, `${p}.bn2`, planes, 3, stride));
    y = convBn(b, y, `${p}.conv3`, `${p}.bn3`, planes * expansion, 1);
  }
  const identity =
    stride !== 1 || cin !== planes * expansion
      ? convBn(b, x, `${p}.downsample.0`, `${p}.downsample.1`, planes * expansion, 1, stride)
      : x;
  return b.relu(b.add(y, identity));
}

function resnet(kind: BlockKind, layers: [number, number, number, number]) {
  return (b: GraphBuilder, input: Value): Value => {
    let x = b.relu(convBn(b, input, 'conv1', 'bn1', 64, 7, 2));
    x = b.maxPool(x, { kernel: 3, stride: 2, pad: 1 });
    layers.forEach((n, i) => {
      const planes = 64 * 2 ** i;
      for (let j = 0; j < n; j++)
        x = block(b, x, `layer${i + 1}.${j}`, kind, planes, j === 0 && i > 0 ? 2 : 1);
    });
    const pooled = b.flatten(b.globalAvgPool(x));
    const bound = 1 / Math.sqrt(b.channels(pooled));
    const u = { kind: 'uniform', low: -bound, high: bound } as const;
    return b.linear(pooled, { name: 'fc', out: 1000, init: u, biasInit: u });
  };
}

const PAPER = 'He et al., Deep Residual Learning for Image Recognition, CVPR 2016 (arXiv:1512.03385)';

/** resnet18 and resnet50. Expected figures: torchvision model docs (ResNet*_Weights.IMAGENET1K_V1 meta: num_params, _ops GFLOPS which are GMACs). */
export const resnetModels: ZooModelDef[] = [
  {
    entry: {
      name: 'resnet18',
      family: 'resnet',
      description: 'ResNet-18 (BasicBlock [2,2,2,2])',
      paper: PAPER,
      inputShape: ['N', 3, 224, 224],
      expected: { params: 11_689_512, gmacs: 1.814 },
    },
    build: resnet('basic', [2, 2, 2, 2]),
  },
  {
    entry: {
      name: 'resnet50',
      family: 'resnet',
      description: 'ResNet-50 v1.5 (Bottleneck [3,4,6,3], stride on the 3x3 conv)',
      paper: PAPER,
      inputShape: ['N', 3, 224, 224],
      expected: { params: 25_557_032, gmacs: 4.089 },
    },
    build: resnet('bottleneck', [3, 4, 6, 3]),
  },
];
