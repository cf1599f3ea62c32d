/**
 * Runs a zoo graph (src/graph/ir.ts, ONNX semantics, NCHW) on TensorFlow.js with the very same
 * weights as the .onnx build, so both engines compute the same function.
 *
 * Layout: tfjs convolutions and pools want NHWC. Every value keeps its logical NCHW meaning, but a
 * 4-D value may be *stored* NHWC (`nhwc: true`, logical = stored.transpose([0,3,1,2])). Convs, pools
 * and batch norm produce NHWC; element-wise ops keep it; ops whose meaning depends on the memory
 * order (Reshape, Flatten, MatMul, ...) first get a plain tensor. A Transpose of an NHWC value is
 * composed with the storage permutation, so ConvNeXt's NCHW<->NHWC permutes cost nothing.
 *
 * Compile-time rewrites, the ones onnxruntime's "all" optimisation level and the tfjs converter also
 * make: BatchNormalization after a Conv is folded into its weights and bias; a Relu or Clip(0, 6)
 * that is a Conv's only consumer is fused into it. Shape arithmetic (Shape, Gather, Concat on int64,
 * Reshape targets) runs on the host as plain numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { BenchError } from '../core/errors.js';
import type { Attr, FloatInitializer, Graph, Node } from '../graph/ir.js';
import type { TensorSignature } from './engine.js';

/** A value during execution: a tensor (maybe stored NHWC) or an int64 vector kept on the host. */
type Value =
  { kind: 'tensor'; t: tf.Tensor; nhwc: boolean } | { kind: 'ints'; data: number[]; dims: number[] };

/** A compiled model the tfjs engine can run. */
export interface TfjsRunnable {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** One inference; returns new output tensors in `outputs` order (the caller disposes them). */
  execute(feeds: ReadonlyMap<string, tf.Tensor>): tf.Tensor[] | Promise<tf.Tensor[]>;
  /** Frees the weights. */
  dispose(): void;
}

/** Stored-NHWC axis of each logical NCHW axis. */
const NHWC_AXIS = [0, 3, 1, 2] as const;
const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

type FusedActivation = 'linear' | 'relu' | 'relu6';

/** A Conv prepared for tfjs: weights already HWIO (or HW C 1 for depthwise), BN folded. */
interface ConvPlan {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D | undefined;
  depthwise: boolean;
  groups: number;
  strides: [number, number];
  dilations: [number, number];
  pad: [[number, number], [number, number], [number, number], [number, number]];
  activation: FusedActivation;
  /** Name of the value the fused chain finally defines (the BN or activation output). */
  output: string;
}

function attrInt(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && a.type === 'int' ? a.value : fallback;
}
function attrFloat(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && (a.type === 'float' || a.type === 'int') ? a.value : fallback;
}
function attrInts(node: Node, name: string, fallback: number[]): number[] {
  const a: Attr | undefined = node.attrs[name];
  return a && a.type === 'ints' ? a.value : fallback;
}

function unsupported(node: Node, what: string): BenchError {
  return new BenchError(
    'E_UNSUPPORTED',
    `the tfjs engine cannot run node ${node.name} (${node.op}): ${what}`,
    {
      hint: 'run this model with --engine ort',
    },
  );
}

/** Compiles `graph` into a tfjs runnable; weights are uploaded to the current backend now. */
export function compileGraph(graph: Graph): TfjsRunnable {
  return new GraphRunner(graph);
}

class GraphRunner implements TfjsRunnable {
  readonly inputs: TensorSignature[];
  readonly outputs: TensorSignature[];
  private readonly floats = new Map<string, FloatInitializer>();
  private readonly constants = new Map<string, Value>();
  /** Constants converted for a layout, created once and kept across runs. */
  private readonly derived = new Map<string, tf.Tensor>();
  private readonly convs = new Map<number, ConvPlan>();
  /** Nodes folded into a Conv plan; skipped at run time. */
  private readonly skip = new Set<number>();
  /** For each node, values whose last reader it is (freed right after it to keep the peak low). */
  private readonly frees: string[][];
  private readonly owned: tf.Tensor[] = [];

  constructor(private readonly graph: Graph) {
    this.inputs = graph.inputs.map((v) => ({ name: v.name, dtype: 'float32', shape: [...v.shape] }));
    this.outputs = graph.outputs.map((v) => ({ name: v.name, dtype: 'float32', shape: [...v.shape] }));
    for (const init of graph.initializers) {
      if (init.dtype === 'int64') {
        this.constants.set(init.name, {
          kind: 'ints',
          data: Array.from(init.data, Number),
          dims: [...init.dims],
        });
      } else {
        this.floats.set(init.name, init);
      }
    }
    const consumers = new Map<string, number[]>();
    graph.nodes.forEach((n, i) =>
      n.inputs.forEach((name) =>
        name ? consumers.set(name, [...(consumers.get(name) ?? []), i]) : undefined,
      ),
    );
    const outputNames = new Set(graph.outputs.map((o) => o.name));
    graph.nodes.forEach((node, i) => {
      if (node.op === 'Conv') this.convs.set(i, this.planConv(node, i, consumers, outputNames));
    });
    // Float initializers that plain ops read become tensors once (conv weights were prepared above).
    graph.nodes.forEach((node, i) => {
      if (this.skip.has(i) || this.convs.has(i)) return;
      for (const name of node.inputs) {
        const init = this.floats.get(name);
        if (init && !this.constants.has(name))
          this.constants.set(name, {
            kind: 'tensor',
            t: this.own(tf.tensor(init.data, init.dims, 'float32')),
            nhwc: false,
          });
      }
    });
    this.frees = this.lastUses(outputNames);
  }

  private own<T extends tf.Tensor>(t: T): T {
    this.owned.push(t);
    return t;
  }

  /** Prepares Conv `i`: HWIO weights, BN folded in, a sole Relu/Clip(0,6) consumer fused. */
  private planConv(
    node: Node,
    i: number,
    consumers: Map<string, number[]>,
    outputNames: Set<string>,
  ): ConvPlan {
    const [xName, wName, bName] = node.inputs;
    const w = wName ? this.floats.get(wName) : undefined;
    if (!w || w.dims.length !== 4) throw unsupported(node, 'weights must be a 4-D initializer');
    const [cOut, cInPerGroup, kH, kW] = w.dims as [number, number, number, number];
    const groups = attrInt(node, 'group', 1);
    const weights = Float32Array.from(w.data);
    const bias = new Float32Array(cOut);
    const b = bName ? this.floats.get(bName) : undefined;
    if (bName && !b) throw unsupported(node, 'bias must be an initializer');
    if (b) bias.set(b.data);
    let hasBias = b !== undefined;
    let output = node.outputs[0] ?? '';
    let activation: FusedActivation = 'linear';

    const soleConsumer = (value: string): number | undefined => {
      const c = consumers.get(value);
      return c && c.length === 1 && !outputNames.has(value) ? c[0] : undefined;
    };
    let next = soleConsumer(output);
    const bn = next !== undefined ? this.graph.nodes[next] : undefined;
    if (next !== undefined && bn?.op === 'BatchNormalization') {
      const params = bn.inputs.slice(1).map((n) => this.floats.get(n));
      const [scale, shift, mean, variance] = params;
      if (scale && shift && mean && variance) {
        // y = (conv(x) + b - mean) * scale / sqrt(var + eps) + shift, folded per output channel.
        const eps = attrFloat(bn, 'epsilon', 1e-5);
        const per = cInPerGroup * kH * kW;
        for (let o = 0; o < cOut; o++) {
          const k = scale.data[o]! / Math.sqrt(variance.data[o]! + eps);
          for (let j = 0; j < per; j++) weights[o * per + j]! *= k;
          bias[o] = (bias[o]! - mean.data[o]!) * k + shift.data[o]!;
        }
        hasBias = true;
        this.skip.add(next);
        output = bn.outputs[0] ?? output;
        next = soleConsumer(output);
      }
    }
    const act = next !== undefined ? this.graph.nodes[next] : undefined;
    if (next !== undefined && act) {
      const fused = act.op === 'Relu' ? 'relu' : act.op === 'Clip' && this.isRelu6(act) ? 'relu6' : undefined;
      if (fused) {
        activation = fused;
        this.skip.add(next);
        output = act.outputs[0] ?? output;
      }
    }

    const cIn = cInPerGroup * groups;
    const depthwise = groups > 1 && cInPerGroup === 1 && cOut === groups;
    let filter: tf.Tensor4D;
    if (depthwise) {
      // OIHW with I = 1 -> [kH, kW, C, 1], tfjs's depthwise filter layout (channel multiplier 1).
      filter = this.own(
        tf.tidy(() => tf.tensor4d(weights, [cOut, 1, kH, kW]).transpose([2, 3, 0, 1]) as tf.Tensor4D),
      );
    } else {
      // OIHW -> HWIO.
      filter = this.own(
        tf.tidy(
          () => tf.tensor4d(weights, [cOut, cInPerGroup, kH, kW]).transpose([2, 3, 1, 0]) as tf.Tensor4D,
        ),
      );
    }
    if (groups > 1 && !depthwise && (cIn % groups !== 0 || cOut % groups !== 0))
      throw unsupported(node, 'channels are not divisible by group');
    const pads = attrInts(node, 'pads', [0, 0, 0, 0]);
    const strides = attrInts(node, 'strides', [1, 1]);
    const dilations = attrInts(node, 'dilations', [1, 1]);
    if (!xName) throw unsupported(node, 'no input');
    return {
      filter,
      bias: hasBias || activation !== 'linear' ? this.own(tf.tensor1d(bias)) : undefined,
      depthwise,
      groups,
      strides: [strides[0] ?? 1, strides[1] ?? 1],
      dilations: [dilations[0] ?? 1, dilations[1] ?? 1],
      pad: [
        [0, 0],
        [pads[0] ?? 0, pads[2] ?? 0],
        [pads[1] ?? 0, pads[3] ?? 0],
        [0, 0],
      ],
      activation,
      output,
    };
  }

  private isRelu6(node: Node): boolean {
    const lo = node.inputs[1] ? this.floats.get(node.inputs[1]) : undefined;
    const hi = node.inputs[2] ? this.floats.get(node.inputs[2]) : undefined;
    return lo?.data[0] === 0 && hi?.data[0] === 6;
  }

  private lastUses(outputNames: Set<string>): string[][] {
    const last = new Map<string, number>();
    this.graph.nodes.forEach((n, i) => {
      if (this.skip.has(i)) return;
      for (const name of n.inputs) last.set(name, i);
    });
    const frees: string[][] = this.graph.nodes.map(() => []);
    const inputNames = new Set(this.graph.inputs.map((v) => v.name));
    for (const [name, i] of last) {
      if (
        !this.constants.has(name) &&
        !this.floats.has(name) &&
        !inputNames.has(name) &&
        !outputNames.has(name)
      )
        frees[i]!.push(name);
    }
    return frees;
  }

  execute(feeds: ReadonlyMap<string, tf.Tensor>): tf.Tensor[] {
    return tf.tidy(() => {
      const values = new Map<string, Value>(this.constants);
      for (const input of this.graph.inputs) {
        const t = feeds.get(input.name);
        if (!t) throw new BenchError('E_BAD_INPUT', `no tensor bound for input '${input.name}'`);
        values.set(input.name, { kind: 'tensor', t, nhwc: false });
      }
      this.graph.nodes.forEach((node, i) => {
        if (this.skip.has(i)) return;
        const conv = this.convs.get(i);
        if (conv) {
          values.set(conv.output, {
            kind: 'tensor',
            t: this.conv(node, conv, this.tensorOf(values, node.inputs[0])),
            nhwc: true,
          });
        } else {
          values.set(
            node.outputs[0] ?? '',
            this.evaluate(
              node,
              node.inputs.map((n) => (n ? values.get(n) : undefined)),
            ),
          );
        }
        for (const name of this.frees[i]!) {
          const v = values.get(name);
          if (v?.kind === 'tensor') v.t.dispose();
          values.delete(name);
        }
      });
      return this.graph.outputs.map((o) => {
        const v = values.get(o.name);
        if (!v || v.kind !== 'tensor')
          throw new BenchError('E_UNSUPPORTED', `graph output '${o.name}' was not computed as a tensor`);
        return plain(v);
      });
    });
  }

  private tensorOf(values: Map<string, Value>, name: string | undefined): Value & { kind: 'tensor' } {
    const v = name ? values.get(name) : undefined;
    if (!v || v.kind !== 'tensor')
      throw new BenchError('E_UNSUPPORTED', `value '${name ?? ''}' is not a float tensor`);
    return v;
  }

  private conv(node: Node, plan: ConvPlan, x: Value & { kind: 'tensor' }): tf.Tensor {
    const input = nhwc(x) as tf.Tensor4D;
    const run = (inp: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined): tf.Tensor4D =>
      tf.fused.conv2d({
        x: inp,
        filter,
        strides: plan.strides,
        pad: plan.pad,
        dilations: plan.dilations,
        bias,
        activation: plan.activation,
      });
    if (plan.depthwise) {
      // fused.depthwiseConv2d takes one pad for all sides; uneven pads are applied with tf.pad first.
      const [, [pt, pb], [pl, pr]] = plan.pad;
      const even = pt === pb && pl === pr && pt === pl;
      const padded = even ? input : tf.pad(input, plan.pad);
      return tf.fused.depthwiseConv2d({
        x: padded,
        filter: plan.filter,
        strides: plan.strides,
        pad: even ? pt : 'valid',
        dilations: plan.dilations,
        bias: plan.bias,
        activation: plan.activation,
      });
    }
    if (plan.groups === 1) return run(input, plan.filter, plan.bias);
    // tfjs has no grouped convolution: one conv per group, concatenated on channels.
    const cOut = plan.filter.shape[3];
    const per = cOut / plan.groups;
    const xs = tf.split(input, plan.groups, 3);
    const ws = tf.split(plan.filter, plan.groups, 3);
    const bs = plan.bias ? tf.split(plan.bias, plan.groups, 0) : [];
    if (!Number.isInteger(per)) throw unsupported(node, 'output channels not divisible by group');
    return tf.concat(
      xs.map((xi, g) => run(xi as tf.Tensor4D, ws[g] as tf.Tensor4D, bs[g] as tf.Tensor1D | undefined)),
      3,
    );
  }

  /** A constant derived from initializer `name` (e.g. a transposed Gemm weight), made once and kept. */
  private derive(key: string, make: () => tf.Tensor): tf.Tensor {
    let t = this.derived.get(key);
    if (!t) {
      t = tf.keep(make());
      this.derived.set(key, t);
      this.owned.push(t);
    }
    return t;
  }

  private evaluate(node: Node, args: (Value | undefined)[]): Value {
    const arg = (k: number): Value => {
      const v = args[k];
      if (!v) throw unsupported(node, `input ${k} is missing`);
      return v;
    };
    const tensorArg = (k: number): Value & { kind: 'tensor' } => {
      const v = arg(k);
      if (v.kind !== 'tensor') throw unsupported(node, `input ${k} must be a float tensor`);
      return v;
    };
    const intsArg = (k: number): number[] => {
      const v = arg(k);
      if (v.kind !== 'ints') throw unsupported(node, `input ${k} must be a constant int64 vector`);
      return v.data;
    };
    const same = (x: Value & { kind: 'tensor' }, f: (t: tf.Tensor) => tf.Tensor): Value => ({
      kind: 'tensor',
      t: f(x.t),
      nhwc: x.nhwc,
    });
    const out = (t: tf.Tensor, isNhwc = false): Value => ({ kind: 'tensor', t, nhwc: isNhwc });

    switch (node.op) {
      case 'Relu':
        return same(tensorArg(0), (t) => tf.relu(t));
      case 'Sigmoid':
        return same(tensorArg(0), (t) => tf.sigmoid(t));
      case 'Erf':
        return same(tensorArg(0), (t) => tf.erf(t));
      case 'Clip': {
        // Bounds are scalar initializers: read on the host, never from the device per run.
        const lo = node.inputs[1] ? this.floats.get(node.inputs[1])?.data[0] : undefined;
        const hi = node.inputs[2] ? this.floats.get(node.inputs[2])?.data[0] : undefined;
        if ((node.inputs[1] && lo === undefined) || (node.inputs[2] && hi === undefined))
          throw unsupported(node, 'bounds must be initializers');
        if (lo === 0 && hi === 6) return same(tensorArg(0), (t) => tf.relu6(t));
        return same(tensorArg(0), (t) => tf.clipByValue(t, lo ?? -3.4e38, hi ?? 3.4e38));
      }
      case 'HardSigmoid': {
        const alpha = attrFloat(node, 'alpha', 0.2);
        const beta = attrFloat(node, 'beta', 0.5);
        return same(tensorArg(0), (t) => tf.clipByValue(tf.add(tf.mul(t, alpha), beta), 0, 1));
      }
      case 'HardSwish':
        return same(tensorArg(0), (t) => tf.mul(t, tf.clipByValue(tf.add(tf.mul(t, 1 / 6), 0.5), 0, 1)));
      case 'Add':
      case 'Mul':
      case 'Div':
        return binary(node, arg(0), arg(1), this);
      case 'BatchNormalization': {
        // Not after a Conv (those are folded): y = x * k + (shift - mean * k), k = scale / sqrt(var + eps).
        const x = tensorArg(0);
        const name = node.inputs[1] ?? '';
        const isNhwc = x.t.rank === 4;
        const [k, c] = this.bnCoefficients(
          node,
          isNhwc || x.t.rank < 3 ? [-1] : [-1, ...Array<number>(x.t.rank - 2).fill(1)],
          name,
        );
        return out(tf.add(tf.mul(isNhwc ? nhwc(x) : plain(x), k), c), isNhwc);
      }
      case 'MaxPool':
      case 'AveragePool': {
        const x = nhwc(tensorArg(0)) as tf.Tensor4D;
        const [kH, kW] = attrInts(node, 'kernel_shape', []) as [number, number];
        const [sH, sW] = attrInts(node, 'strides', [1, 1]) as [number, number];
        const pads = attrInts(node, 'pads', [0, 0, 0, 0]);
        const [pt, pl] = pads as [number, number, number, number];
        let [, , pb, pr] = pads as [number, number, number, number];
        if (attrInt(node, 'ceil_mode', 0) === 1) {
          pb += ceilExtra(x.shape[1], kH, sH, pt, pb);
          pr += ceilExtra(x.shape[2], kW, sW, pl, pr);
        }
        if (node.op === 'MaxPool') {
          return out(
            tf.maxPool(
              x,
              [kH, kW],
              [sH, sW],
              [
                [0, 0],
                [pt, pb],
                [pl, pr],
                [0, 0],
              ],
            ),
            true,
          );
        }
        if (pt || pl || pb || pr)
          throw unsupported(node, 'AveragePool with padding (tfjs averages padded windows differently)');
        return out(tf.avgPool(x, [kH, kW], [sH, sW], 'valid'), true);
      }
      case 'GlobalAveragePool': {
        const x = tensorArg(0);
        if (x.t.rank !== 4) throw unsupported(node, 'input must be 4-D');
        return x.nhwc ? out(tf.mean(x.t, [1, 2], true), true) : out(tf.mean(x.t, [2, 3], true));
      }
      case 'Concat': {
        const axis = attrInt(node, 'axis', 0);
        if (args.every((a) => a?.kind === 'ints')) {
          return {
            kind: 'ints',
            data: args.flatMap((a) => (a as { data: number[] }).data),
            dims: [args.reduce((s, a) => s + (a as { data: number[] }).data.length, 0)],
          };
        }
        const xs = args.map((_, k) => tensorArg(k));
        const rank = xs[0]!.t.rank;
        const ax = axis < 0 ? axis + rank : axis;
        if (rank === 4 && xs.every((x) => x.nhwc))
          return out(
            tf.concat(
              xs.map((x) => x.t),
              NHWC_AXIS[ax],
            ),
            true,
          );
        return out(tf.concat(xs.map(plain), ax));
      }
      case 'Gemm': {
        if (
          attrInt(node, 'transA', 0) !== 0 ||
          attrFloat(node, 'alpha', 1) !== 1 ||
          attrFloat(node, 'beta', 1) !== 1
        ) {
          throw unsupported(node, 'only alpha = beta = 1, transA = 0 is supported');
        }
        const a = plain(tensorArg(0));
        const transB = attrInt(node, 'transB', 0) === 1;
        const bName = node.inputs[1] ?? '';
        const b =
          this.floats.has(bName) && transB
            ? this.derive(`${bName}@T`, () => tf.transpose(tensorArg(1).t))
            : tensorArg(1).t;
        const bt = transB && !this.floats.has(bName) ? tf.transpose(b) : b;
        const c = args[2]?.kind === 'tensor' ? args[2].t : undefined;
        if (c && c.rank === 1)
          return out(tf.fused.matMul({ a: a as tf.Tensor2D, b: bt as tf.Tensor2D, bias: c }));
        const y = tf.matMul(a as tf.Tensor2D, bt as tf.Tensor2D);
        return out(c ? tf.add(y, c) : y);
      }
      case 'MatMul': {
        const a = plain(tensorArg(0));
        const b = plain(tensorArg(1));
        if (b.rank === 2 && a.rank > 2) {
          // numpy matmul with a 2-D right side: fold the leading dims of A into its rows.
          const lead = a.shape.slice(0, -1);
          const y = tf.matMul(tf.reshape(a, [-1, a.shape[a.rank - 1]!]) as tf.Tensor2D, b as tf.Tensor2D);
          return out(tf.reshape(y, [...lead, b.shape[1]!]));
        }
        return out(tf.matMul(a, b));
      }
      case 'LayerNormalization': {
        const x = plain(tensorArg(0));
        const axis = attrInt(node, 'axis', -1);
        const start = axis < 0 ? axis + x.rank : axis;
        const axes = Array.from({ length: x.rank - start }, (_, k) => start + k);
        const { mean, variance } = tf.moments(x, axes, true);
        const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, attrFloat(node, 'epsilon', 1e-5))));
        const scaled = tf.mul(normed, tensorArg(1).t);
        return out(args[2]?.kind === 'tensor' ? tf.add(scaled, args[2].t) : scaled);
      }
      case 'Softmax': {
        const x = plain(tensorArg(0));
        const axis = attrInt(node, 'axis', -1);
        const ax = axis < 0 ? axis + x.rank : axis;
        if (ax === x.rank - 1) return out(tf.softmax(x));
        const perm = Array.from({ length: x.rank }, (_, k) => k);
        perm[ax] = x.rank - 1;
        perm[x.rank - 1] = ax;
        return out(tf.transpose(tf.softmax(tf.transpose(x, perm)), perm));
      }
      case 'Reshape': {
        const x = arg(0);
        const shape = intsArg(1);
        if (x.kind === 'ints') return { kind: 'ints', data: x.data, dims: resolveShape(x.dims, shape) };
        const t = plain(x);
        return out(tf.reshape(t, resolveShape(t.shape, shape)));
      }
      case 'Flatten': {
        const t = plain(tensorArg(0));
        const axis = attrInt(node, 'axis', 1);
        const ax = axis < 0 ? axis + t.rank : axis;
        const rows = t.shape.slice(0, ax).reduce((p, d) => p * d, 1);
        return out(tf.reshape(t, [rows, -1]));
      }
      case 'Transpose': {
        const x = tensorArg(0);
        const perm = attrInts(
          node,
          'perm',
          Array.from({ length: x.t.rank }, (_, k) => x.t.rank - 1 - k),
        );
        if (!x.nhwc) return out(tf.transpose(x.t, perm));
        // logical = stored.transpose(TO_NCHW), so logical.transpose(perm) = stored.transpose(TO_NCHW ∘ perm).
        const composed = perm.map((p) => TO_NCHW[p]!);
        // Keep the result stored NHWC when that needs no data movement (ConvNeXt's permute back).
        const asNhwc = TO_NHWC.map((p) => composed[p]!);
        if (isIdentity(asNhwc)) return out(x.t.clone(), true);
        return out(isIdentity(composed) ? x.t.clone() : tf.transpose(x.t, composed));
      }
      case 'Gather': {
        const x = arg(0);
        const axis = attrInt(node, 'axis', 0);
        const idx = arg(1);
        const indices = idx.kind === 'ints' ? idx.data : undefined;
        if (!indices) throw unsupported(node, 'indices must be a constant int64 tensor');
        const scalar = idx.kind === 'ints' && idx.dims.length === 0;
        if (x.kind === 'ints') {
          if (x.dims.length !== 1) throw unsupported(node, 'host gather only on vectors');
          const n = x.data.length;
          const data = indices.map((i) => x.data[i < 0 ? i + n : i]!);
          return { kind: 'ints', data, dims: scalar ? [] : [data.length] };
        }
        const t = plain(x);
        const ax = axis < 0 ? axis + t.rank : axis;
        const dim = t.shape[ax]!;
        const fixed = indices.map((i) => (i < 0 ? i + dim : i));
        return out(tf.gather(t, scalar ? tf.scalar(fixed[0]!, 'int32') : tf.tensor1d(fixed, 'int32'), ax));
      }
      case 'Shape': {
        const x = tensorArg(0);
        const dims = x.nhwc ? TO_NCHW.map((p) => x.t.shape[p]!) : [...x.t.shape];
        const start = attrInt(node, 'start', 0);
        const end = attrInt(node, 'end', dims.length);
        const data = dims.slice(start < 0 ? start + dims.length : start, end < 0 ? end + dims.length : end);
        return { kind: 'ints', data, dims: [data.length] };
      }
      case 'Expand': {
        const t = plain(tensorArg(0));
        const target = broadcastShapes(t.shape, intsArg(1));
        return out(tf.broadcastTo(t, target));
      }
      case 'Conv':
        throw unsupported(node, 'internal: Conv without a plan');
    }
  }

  /** Per-channel BN multiplier and offset shaped `shape` (e.g. [-1] for NHWC, [-1,1,1] for NCHW). */
  private bnCoefficients(node: Node, shape: number[], key: string): [tf.Tensor, tf.Tensor] {
    const [scale, shift, mean, variance] = node.inputs.slice(1).map((n) => this.floats.get(n));
    if (!scale || !shift || !mean || !variance) throw unsupported(node, 'parameters must be initializers');
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const k = scale.data.map((s, c) => s / Math.sqrt(variance.data[c]! + eps));
    const c = shift.data.map((b, ch) => b - mean.data[ch]! * k[ch]!);
    const tag = `${key}@bn${shape.join(',')}`;
    return [
      this.derive(`${tag}k`, () => tf.reshape(tf.tensor1d(k), shape)),
      this.derive(`${tag}c`, () => tf.reshape(tf.tensor1d(c), shape)),
    ];
  }

  /** Converts a constant to NHWC storage once (e.g. a [C,1,1] layer scale multiplying an NHWC tensor). */
  constantNhwc(v: Value & { kind: 'tensor' }): tf.Tensor | undefined {
    for (const [name, c] of this.constants) {
      if (c === v) return this.derive(`${name}@nhwc`, () => toNhwcBroadcast(v.t));
    }
    return undefined;
  }

  dispose(): void {
    for (const t of this.owned) t.dispose();
    for (const v of this.constants.values()) if (v.kind === 'tensor') v.t.dispose();
    this.owned.length = 0;
    this.derived.clear();
  }
}

/** Element-wise Add/Mul/Div with numpy broadcasting, keeping NHWC storage when an operand has it. */
function binary(node: Node, a: Value, b: Value, runner: GraphRunner): Value {
  if (a.kind === 'ints' && b.kind === 'ints') {
    const f =
      node.op === 'Add'
        ? (x: number, y: number) => x + y
        : node.op === 'Mul'
          ? (x: number, y: number) => x * y
          : (x: number, y: number) => Math.trunc(x / y);
    const n = Math.max(a.data.length, b.data.length);
    const data = Array.from({ length: n }, (_, i) =>
      f(a.data[a.data.length === 1 ? 0 : i]!, b.data[b.data.length === 1 ? 0 : i]!),
    );
    return { kind: 'ints', data, dims: a.dims.length >= b.dims.length ? a.dims : b.dims };
  }
  if (a.kind !== 'tensor' || b.kind !== 'tensor') throw unsupported(node, 'mixing int64 and float operands');
  const op = node.op === 'Add' ? tf.add : node.op === 'Mul' ? tf.mul : tf.div;
  if (!a.nhwc && !b.nhwc) return { kind: 'tensor', t: op(a.t, b.t), nhwc: false };
  const side = (v: Value & { kind: 'tensor' }): tf.Tensor => {
    if (v.nhwc) return v.t;
    if (v.t.rank === 0) return v.t;
    return runner.constantNhwc(v) ?? toNhwcBroadcast(v.t);
  };
  return { kind: 'tensor', t: op(side(a), side(b)), nhwc: true };
}

/** A plain (logical NCHW) operand of rank <= 4 brought to NHWC storage, padding its rank with 1s. */
function toNhwcBroadcast(t: tf.Tensor): tf.Tensor {
  if (t.rank > 4)
    throw new BenchError(
      'E_UNSUPPORTED',
      `cannot broadcast a rank-${t.rank} tensor against a 4-D NHWC tensor`,
    );
  const shape4 = [...Array<number>(4 - t.rank).fill(1), ...t.shape];
  return permuteOrReshape(tf.reshape(t, shape4), TO_NHWC);
}

/** The value as a plain tensor in logical layout. */
function plain(v: Value): tf.Tensor {
  if (v.kind !== 'tensor') return tf.tensor(v.data, v.dims, 'int32');
  return v.nhwc ? permuteOrReshape(v.t, TO_NCHW) : v.t;
}

/** The value stored NHWC (4-D only). */
function nhwc(v: Value & { kind: 'tensor' }): tf.Tensor {
  if (v.nhwc) return v.t;
  if (v.t.rank !== 4)
    throw new BenchError('E_UNSUPPORTED', `expected a 4-D tensor, got shape [${v.t.shape.join(', ')}]`);
  return permuteOrReshape(v.t, TO_NHWC);
}

/** A transpose that only moves size-1 axes keeps the memory order: a reshape is enough. */
function permuteOrReshape(t: tf.Tensor, perm: number[]): tf.Tensor {
  const moved = perm.map((p) => t.shape[p]!);
  const order = perm.filter((p) => t.shape[p] !== 1);
  const sorted = [...order].sort((x, y) => x - y);
  return order.every((p, k) => p === sorted[k]) ? tf.reshape(t, moved) : tf.transpose(t, perm);
}

function isIdentity(perm: number[]): boolean {
  return perm.every((p, k) => p === k);
}

/** Extra bottom/right padding that turns floor into ONNX ceil_mode output sizes. */
function ceilExtra(
  size: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
): number {
  const span = size + padBegin + padEnd - kernel;
  let out = Math.ceil(span / stride) + 1;
  // ONNX/PyTorch drop a last window that would start inside the end padding.
  if ((out - 1) * stride >= size + padBegin) out -= 1;
  return Math.max(0, (out - 1) * stride + kernel - (size + padBegin + padEnd));
}

/** ONNX Reshape target: 0 copies the input dim, -1 is inferred. */
function resolveShape(input: readonly number[], target: readonly number[]): number[] {
  const dims = target.map((d, k) => (d === 0 ? input[k]! : d));
  const known = dims.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const total = input.reduce((p, d) => p * d, 1);
  return dims.map((d) => (d === -1 ? total / known : d));
}

/** numpy broadcast of two shapes (ONNX Expand is bidirectional). */
function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, k) => {
    const x = a[a.length - n + k] ?? 1;
    const y = b[b.length - n + k] ?? 1;
    return x === 1 ? y : x;
  });
}
