/**
 * ViT-B/16 (torchvision.models.vision_transformer): 16x16 patch conv, class token, learned
 * position embedding, 12 pre-norm encoder blocks (LayerNorm eps 1e-6, 12-head self-attention,
 * MLP 3072 with GELU), final LayerNorm, head on the class token. Init as torchvision except the
 * head: torchvision zero-initialises it, which would make every logit 0; we use nn.Linear's
 * default U(±1/sqrt(768)) so outputs depend on the input.
 */
import type { GraphBuilder, Value } from '../src/graph/builder.js';
import { multiHeadAttention } from '../src/graph/layers.js';
import type { ZooModelDef } from './types.js';

const EPS = 1e-6;

function encoderBlock(b: GraphBuilder, x: Value, p: string, mlp: number): Value {
  const e = x.shape[2];
  if (typeof e !== 'number') throw new Error('vit: unknown hidden size');
  const a = multiHeadAttention(b, b.layerNorm(x, `${p}.ln_1`, EPS), {
    name: `${p}.self_attention`,
    heads: 12,
  });
  const x1 = b.add(x, a);
  // MLP: xavier_uniform weights, normal(std 1e-6) biases (torchvision MLPBlock init).
  const xavier = (fi: number, fo: number) =>
    ({ kind: 'uniform', low: -Math.sqrt(6 / (fi + fo)), high: Math.sqrt(6 / (fi + fo)) }) as const;
  const tiny = { kind: 'normal', std: 1e-6 } as const;
  let y = b.linear(b.layerNorm(x1, `${p}.ln_2`, EPS), {
    name: `${p}.mlp.0`,
    out: mlp,
    init: xavier(e, mlp),
    biasInit: tiny,
  });
  y = b.linear(b.gelu(y), { name: `${p}.mlp.3`, out: e, init: xavier(mlp, e), biasInit: tiny });
  return b.add(x1, y);
}

function vitB16(b: GraphBuilder, input: Value): Value {
  const hidden = 768;
  const patch = 16;
  const fanIn = 3 * patch * patch;
  let x = b.conv(input, {
    name: 'conv_proj',
    out: hidden,
    kernel: patch,
    stride: patch,
    pad: 0,
    bias: true,
    init: { kind: 'truncNormal', std: Math.sqrt(1 / fanIn) },
  });
  x = b.transpose(b.reshape(x, [0, hidden, -1]), [0, 2, 1]); // [N, 196, 768]
  const cls = b.param('class_token', [1, 1, hidden], { kind: 'zeros' });
  x = b.concat([b.expandBatch(cls, x), x], 1); // [N, 197, 768]
  const seq = x.shape[1];
  if (typeof seq !== 'number') throw new Error('vit: unknown sequence length');
  x = b.add(x, b.param('encoder.pos_embedding', [1, seq, hidden], { kind: 'normal', std: 0.02 }));
  for (let i = 0; i < 12; i++) x = encoderBlock(b, x, `encoder.layers.encoder_layer_${i}`, 3072);
  x = b.layerNorm(x, 'encoder.ln', EPS);
  const bound = 1 / Math.sqrt(hidden);
  const u = { kind: 'uniform', low: -bound, high: bound } as const;
  return b.linear(b.select(x, 1, 0), { name: 'heads.head', out: 1000, init: u, biasInit: u });
}

/** Expected figures: torchvision model docs (ViT_B_16_Weights.IMAGENET1K_V1 meta). */
export const vitModels: ZooModelDef[] = [
  {
    entry: {
      name: 'vit_b_16',
      family: 'vit',
      description: 'Vision Transformer B/16 (12 layers, 12 heads, hidden 768)',
      paper:
        'Dosovitskiy et al., An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale, ICLR 2021 (arXiv:2010.11929)',
      inputShape: ['N', 3, 224, 224],
      expected: { params: 86_567_656, gmacs: 17.564 },
    },
    build: vitB16,
  },
];
