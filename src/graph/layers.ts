/**
 * Composite layers shared by several architectures, mirroring torchvision modules
 * (Conv2dNormActivation, SqueezeExcitation, LayerNorm2d, nn.MultiheadAttention), built from
 * builder primitives only so the op set stays small.
 */
import type { GraphBuilder, Value } from './builder.js';

/** Activations used after conv + BN. */
export type Activation = 'relu' | 'relu6' | 'hardswish' | 'silu' | 'none';

/** Applies an activation by name. */
function activate(b: GraphBuilder, x: Value, act: Activation): Value {
  switch (act) {
    case 'relu':
      return b.relu(x);
    case 'relu6':
      return b.relu6(x);
    case 'hardswish':
      return b.hardSwish(x);
    case 'silu':
      return b.silu(x);
    case 'none':
      return x;
  }
}

/**
 * torchvision Conv2dNormActivation: conv (no bias) + BatchNorm + activation. Module path `name`
 * holds the conv as "<name>.0" and the BN as "<name>.1", as in torchvision's state dict.
 */
export function convBnAct(
  b: GraphBuilder,
  x: Value,
  o: {
    name: string;
    out: number;
    kernel: number;
    stride?: number;
    groups?: number;
    act: Activation;
    /** BatchNorm epsilon; torchvision's default 1e-5 unless the model's norm_layer says otherwise. */
    eps?: number;
  },
): Value {
  const conv = b.conv(x, {
    name: `${o.name}.0`,
    out: o.out,
    kernel: o.kernel,
    stride: o.stride ?? 1,
    groups: o.groups ?? 1,
  });
  return activate(b, b.batchNorm(conv, `${o.name}.1`, o.eps), o.act);
}

/**
 * torchvision.ops.SqueezeExcitation: global average pool, 1x1 conv (fc1, bias) + activation,
 * 1x1 conv (fc2, bias) + gate, then scale the input channels.
 */
export function squeezeExcite(
  b: GraphBuilder,
  x: Value,
  o: { name: string; squeeze: number; act: 'relu' | 'silu'; gate: 'sigmoid' | 'hardsigmoid' },
): Value {
  const c = b.channels(x);
  const pooled = b.globalAvgPool(x);
  const s1 = activate(
    b,
    b.conv(pooled, { name: `${o.name}.fc1`, out: o.squeeze, kernel: 1, bias: true }),
    o.act,
  );
  const s2 = b.conv(s1, { name: `${o.name}.fc2`, out: c, kernel: 1, bias: true });
  const gate = o.gate === 'sigmoid' ? b.sigmoid(s2) : b.hardSigmoid(s2);
  return b.mul(x, gate);
}

/** torchvision LayerNorm2d: LayerNorm over channels of an NCHW tensor (permute, normalise, permute back). */
export function layerNorm2d(b: GraphBuilder, x: Value, name: string, eps: number): Value {
  const nhwc = b.transpose(x, [0, 2, 3, 1]);
  return b.transpose(b.layerNorm(nhwc, name, eps), [0, 3, 1, 2]);
}

/**
 * nn.MultiheadAttention (self-attention, batch_first) on [N, S, E]: q, k, v projections (the
 * three row blocks of torchvision's in_proj_weight, same parameter count), per-head scaled
 * dot-product softmax(q kᵀ / sqrt(d)) v, then out_proj.
 */
export function multiHeadAttention(b: GraphBuilder, x: Value, o: { name: string; heads: number }): Value {
  const e = x.shape[2];
  if (typeof e !== 'number') throw new Error('attention: unknown embedding size');
  const d = e / o.heads;
  // Xavier uniform over the full in_proj_weight [3E, E], as nn.MultiheadAttention._reset_parameters.
  const bound = Math.sqrt(6 / (e + 3 * e));
  const proj = (which: string) =>
    b.linear(x, {
      name: `${o.name}.${which}_proj`,
      out: e,
      init: { kind: 'uniform', low: -bound, high: bound },
    });
  const heads = (v: Value, perm: number[]) => b.transpose(b.reshape(v, [0, 0, o.heads, d]), perm);
  const q = heads(proj('q'), [0, 2, 1, 3]); // [N, H, S, d]
  const kT = heads(proj('k'), [0, 2, 3, 1]); // [N, H, d, S]
  const v = heads(proj('v'), [0, 2, 1, 3]); // [N, H, S, d]
  const scores = b.mul(b.matmul(q, kT), b.constFloat([1 / Math.sqrt(d)]));
  const ctx = b.matmul(b.softmax(scores, -1), v); // [N, H, S, d]
  const merged = b.reshape(b.transpose(ctx, [0, 2, 1, 3]), [0, 0, e]);
  // out_proj: NonDynamicallyQuantizableLinear default init (kaiming_uniform a=sqrt(5) => U(±1/sqrt(E))), bias zeroed.
  const ob = 1 / Math.sqrt(e);
  return b.linear(merged, {
    name: `${o.name}.out_proj`,
    out: e,
    init: { kind: 'uniform', low: -ob, high: ob },
  });
}

/** torchvision _make_divisible: round to the nearest multiple of `divisor`, never more than 10% down. */
export function makeDivisible(v: number, divisor = 8): number {
  let nv = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}
