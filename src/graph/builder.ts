/**
 * A small imperative builder for the graph IR (ir.ts). Each method appends one node, infers the
 * output shape (so architecture code never has to thread channel counts by hand and shape bugs
 * surface at build time, not in an engine) and returns the output value. Weights are generated
 * on creation from the builder's seed (init.ts).
 */
import { fillTensor, type InitSpec } from './init.js';
import type {
  Attr,
  Dim,
  Graph,
  Initializer,
  InitializerKind,
  Node,
  OpType,
  ValueDType,
  ValueInfo,
} from './ir.js';

/** A value flowing through the graph: its name and inferred shape. */
export interface Value {
  name: string;
  dtype: ValueDType;
  shape: Dim[];
}

/** Options of {@link GraphBuilder.conv}. */
export interface ConvOptions {
  /** Module path, e.g. "layer1.0.conv1"; weights are "<name>.weight" / "<name>.bias". */
  name: string;
  out: number;
  kernel: number;
  stride?: number;
  /** Symmetric padding; default `(kernel - 1) / 2` (same padding for odd kernels). */
  pad?: number;
  groups?: number;
  bias?: boolean;
  /** Weight init; default kaiming normal, fan_out, ReLU gain (torchvision's CNN default). */
  init?: InitSpec;
  biasInit?: InitSpec;
}

/** Options of {@link GraphBuilder.linear}. */
export interface LinearOptions {
  name: string;
  out: number;
  bias?: boolean;
  init: InitSpec;
  biasInit?: InitSpec;
}

/** Options of the pooling methods. */
export interface PoolOptions {
  kernel: number;
  stride: number;
  pad?: number;
  ceil?: boolean;
}

function broadcast(a: Dim[], b: Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else throw new Error(`cannot broadcast [${a.join(',')}] with [${b.join(',')}]`);
  }
  return out;
}

function spatialOut(size: Dim, k: number, s: number, p: number, ceil: boolean): number {
  if (size === 'N') throw new Error('spatial dim cannot be symbolic');
  const span = size + 2 * p - k;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // ONNX/PyTorch ceil_mode rule: the last window must start inside the input or left padding.
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/** Builds one {@link Graph}. Not reusable: call {@link GraphBuilder.finish} once. */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly values = new Map<string, ValueInfo>();
  private readonly inputs: ValueInfo[] = [];
  private readonly constCache = new Map<string, string>();
  private counter = 0;

  /**
   * Fan used by the default conv init (kaiming normal, ReLU gain). `'fan_out'` is torchvision's
   * CNN init, except that the fan is counted per group (PyTorch ignores groups, which for a
   * depthwise conv shrinks activations ~C-fold). `'fan_in'` preserves activation variance in the
   * forward pass; architectures with many depthwise / SE / SiLU stages use it because in eval
   * mode with synthetic BN statistics nothing renormalises a shrinking signal, and with
   * `'fan_out'` their logits stop depending on the input.
   */
  convFanMode: 'fan_out' | 'fan_in' = 'fan_out';

  constructor(
    private readonly graphName: string,
    private readonly seed: number,
  ) {}

  /** Declares a float graph input. */
  input(name: string, shape: Dim[]): Value {
    const v: Value = { name, dtype: 'float32', shape };
    this.inputs.push({ ...v });
    this.values.set(name, { ...v });
    return v;
  }

  /** Creates a weight initializer filled per `init`; returns its name. */
  param(name: string, dims: number[], init: InitSpec, kind: InitializerKind = 'param'): string {
    if (this.values.has(name)) throw new Error(`duplicate initializer ${name}`);
    let n = 1;
    for (const d of dims) n *= d;
    const data = new Float32Array(n);
    fillTensor(data, init, this.seed, name);
    this.initializers.push({ name, dtype: 'float32', kind, dims, data });
    this.values.set(name, { name, dtype: 'float32', shape: dims });
    return name;
  }

  /** A float constant (deduplicated by value); scalars have `dims = []`. */
  constFloat(values: number[], dims: number[] = []): string {
    const key = `f:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = `const_f${this.constCache.size}`;
    this.initializers.push({
      name,
      dtype: 'float32',
      kind: 'constant',
      dims,
      data: Float32Array.from(values),
    });
    this.values.set(name, { name, dtype: 'float32', shape: dims });
    this.constCache.set(key, name);
    return name;
  }

  /** An int64 constant (deduplicated); a 1-D vector unless `scalar`. */
  constInt64(values: number[], scalar = false): string {
    const dims = scalar ? [] : [values.length];
    const key = `i:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = `const_i${this.constCache.size}`;
    this.initializers.push({
      name,
      dtype: 'int64',
      kind: 'constant',
      dims,
      data: BigInt64Array.from(values.map(BigInt)),
    });
    this.values.set(name, { name, dtype: 'int64', shape: dims });
    this.constCache.set(key, name);
    return name;
  }

  /** Appends a node with one output of the given shape. Prefer the typed helpers below. */
  node(
    op: OpType,
    inputs: string[],
    attrs: Record<string, Attr>,
    shape: Dim[],
    opts: { name?: string; dtype?: ValueDType } = {},
  ): Value {
    let name = opts.name ?? `${op}_${this.counter++}`;
    while (this.values.has(name)) name = `${name}_${this.counter++}`;
    for (const i of inputs) if (!this.values.has(i)) throw new Error(`${op} ${name}: unknown input ${i}`);
    this.nodes.push({ name, op, inputs, outputs: [name], attrs });
    const v: Value = { name, dtype: opts.dtype ?? 'float32', shape };
    this.values.set(name, { ...v });
    return v;
  }

  /** 2-D convolution (grouped / depthwise via `groups`), no activation. */
  conv(x: Value, o: ConvOptions): Value {
    const [n, cin, h, w] = x.shape;
    if (typeof cin !== 'number' || n === undefined || h === undefined || w === undefined)
      throw new Error(`conv ${o.name}: input must be [N,C,H,W] with known C`);
    const stride = o.stride ?? 1;
    const pad = o.pad ?? Math.floor((o.kernel - 1) / 2);
    const groups = o.groups ?? 1;
    if (cin % groups !== 0 || o.out % groups !== 0)
      throw new Error(`conv ${o.name}: groups ${groups} must divide ${cin} and ${o.out}`);
    const dims = [o.out, cin / groups, o.kernel, o.kernel];
    // Kaiming normal, ReLU gain: std = sqrt(2 / fan). See `convFanMode` for which fan.
    const fan =
      this.convFanMode === 'fan_out'
        ? (o.out / groups) * o.kernel * o.kernel
        : (cin / groups) * o.kernel * o.kernel;
    const init = o.init ?? { kind: 'normal', std: Math.sqrt(2 / fan) };
    const inputs = [x.name, this.param(`${o.name}.weight`, dims, init)];
    if (o.bias) inputs.push(this.param(`${o.name}.bias`, [o.out], o.biasInit ?? { kind: 'zeros' }));
    return this.node(
      'Conv',
      inputs,
      {
        kernel_shape: { type: 'ints', value: [o.kernel, o.kernel] },
        strides: { type: 'ints', value: [stride, stride] },
        pads: { type: 'ints', value: [pad, pad, pad, pad] },
        dilations: { type: 'ints', value: [1, 1] },
        group: { type: 'int', value: groups },
      },
      [n, o.out, spatialOut(h, o.kernel, stride, pad, false), spatialOut(w, o.kernel, stride, pad, false)],
      { name: o.name },
    );
  }

  /**
   * Inference batch norm over axis 1. gamma≈1, beta≈0 and non-trivial running statistics
   * (mean ~ N(0, 0.1), var ~ U(0.5, 1.5)) so eval-mode activations stay finite but input-dependent.
   */
  batchNorm(x: Value, name: string, eps = 1e-5): Value {
    const c = x.shape[1];
    if (typeof c !== 'number') throw new Error(`batchNorm ${name}: unknown channels`);
    const inputs = [
      this.param(`${name}.weight`, [c], { kind: 'uniform', low: 0.9, high: 1.1 }),
      this.param(`${name}.bias`, [c], { kind: 'normal', std: 0.05 }),
      this.param(`${name}.running_mean`, [c], { kind: 'normal', std: 0.1 }, 'buffer'),
      this.param(`${name}.running_var`, [c], { kind: 'uniform', low: 0.5, high: 1.5 }, 'buffer'),
    ];
    return this.node(
      'BatchNormalization',
      [x.name, ...inputs],
      { epsilon: { type: 'float', value: eps } },
      x.shape,
      { name },
    );
  }

  /** max(x, 0). */
  relu(x: Value): Value {
    return this.node('Relu', [x.name], {}, x.shape);
  }

  /** min(max(x, 0), 6) as Clip with scalar constant bounds. */
  relu6(x: Value): Value {
    return this.node('Clip', [x.name, this.constFloat([0]), this.constFloat([6])], {}, x.shape);
  }

  /** torch.nn.Hardsigmoid: relu6(x + 3) / 6. */
  hardSigmoid(x: Value): Value {
    return this.node(
      'HardSigmoid',
      [x.name],
      { alpha: { type: 'float', value: 1 / 6 }, beta: { type: 'float', value: 0.5 } },
      x.shape,
    );
  }

  /** torch.nn.Hardswish: x * relu6(x + 3) / 6. */
  hardSwish(x: Value): Value {
    return this.node('HardSwish', [x.name], {}, x.shape);
  }

  /** Logistic sigmoid. */
  sigmoid(x: Value): Value {
    return this.node('Sigmoid', [x.name], {}, x.shape);
  }

  /** SiLU / swish: x * sigmoid(x). */
  silu(x: Value): Value {
    return this.mul(x, this.sigmoid(x));
  }

  /** Exact GELU (torch default approximate='none'): 0.5 * x * (1 + erf(x / sqrt 2)). */
  gelu(x: Value): Value {
    const e = this.node('Erf', [this.div(x, this.constFloat([Math.SQRT2])).name], {}, x.shape);
    const onePlus = this.node('Add', [e.name, this.constFloat([1])], {}, x.shape);
    return this.node('Mul', [this.mul(x, onePlus).name, this.constFloat([0.5])], {}, x.shape);
  }

  private pool(op: 'MaxPool' | 'AveragePool', x: Value, o: PoolOptions): Value {
    const [n, c, h, w] = x.shape;
    if (n === undefined || c === undefined || h === undefined || w === undefined)
      throw new Error(`${op}: input must be 4-D`);
    const pad = o.pad ?? 0;
    const attrs: Record<string, Attr> = {
      kernel_shape: { type: 'ints', value: [o.kernel, o.kernel] },
      strides: { type: 'ints', value: [o.stride, o.stride] },
      pads: { type: 'ints', value: [pad, pad, pad, pad] },
      ceil_mode: { type: 'int', value: o.ceil ? 1 : 0 },
    };
    if (op === 'AveragePool') attrs.count_include_pad = { type: 'int', value: 0 };
    const ceil = o.ceil ?? false;
    return this.node(op, [x.name], attrs, [
      n,
      c,
      spatialOut(h, o.kernel, o.stride, pad, ceil),
      spatialOut(w, o.kernel, o.stride, pad, ceil),
    ]);
  }

  /** Max pooling. */
  maxPool(x: Value, o: PoolOptions): Value {
    return this.pool('MaxPool', x, o);
  }

  /** Average pooling (padding excluded from the mean). */
  avgPool(x: Value, o: PoolOptions): Value {
    return this.pool('AveragePool', x, o);
  }

  /** Mean over H and W, keeping them as 1 (torch AdaptiveAvgPool2d(1)). */
  globalAvgPool(x: Value): Value {
    const [n, c] = x.shape;
    if (n === undefined || c === undefined) throw new Error('globalAvgPool: input must be 4-D');
    return this.node('GlobalAveragePool', [x.name], {}, [n, c, 1, 1]);
  }

  /** Element-wise a + b (broadcasting). */
  add(a: Value, b: Value | string): Value {
    return this.binary('Add', a, b);
  }

  /** Element-wise a * b (broadcasting). */
  mul(a: Value, b: Value | string): Value {
    return this.binary('Mul', a, b);
  }

  /** Element-wise a / b (broadcasting). */
  div(a: Value, b: Value | string): Value {
    return this.binary('Div', a, b);
  }

  private binary(op: 'Add' | 'Mul' | 'Div', a: Value, b: Value | string): Value {
    const bv = typeof b === 'string' ? this.values.get(b) : b;
    if (!bv) throw new Error(`${op}: unknown operand ${String(b)}`);
    return this.node(op, [a.name, bv.name], {}, broadcast(a.shape, bv.shape));
  }

  /** Concatenation along `axis` (non-negative). */
  concat(xs: Value[], axis: number): Value {
    const first = xs[0];
    if (!first) throw new Error('concat of nothing');
    const shape = [...first.shape];
    let total = 0;
    for (const x of xs) {
      const d = x.shape[axis];
      if (typeof d !== 'number') throw new Error('concat axis must be concrete');
      total += d;
    }
    shape[axis] = total;
    return this.node(
      'Concat',
      xs.map((x) => x.name),
      { axis: { type: 'int', value: axis } },
      shape,
      { dtype: first.dtype },
    );
  }

  /**
   * torch.nn.Linear. On a 2-D input: Gemm with the torch-layout weight [out, in] (transB = 1).
   * On a higher-rank input: MatMul with the weight stored transposed, [in, out], then Add bias.
   */
  linear(x: Value, o: LinearOptions): Value {
    const cin = x.shape[x.shape.length - 1];
    if (typeof cin !== 'number') throw new Error(`linear ${o.name}: unknown input features`);
    const outShape = [...x.shape.slice(0, -1), o.out];
    const bias = o.bias ?? true;
    if (x.shape.length === 2) {
      const inputs = [x.name, this.param(`${o.name}.weight`, [o.out, cin], o.init)];
      if (bias) inputs.push(this.param(`${o.name}.bias`, [o.out], o.biasInit ?? { kind: 'zeros' }));
      return this.node('Gemm', inputs, { transB: { type: 'int', value: 1 } }, outShape, { name: o.name });
    }
    const y = this.node(
      'MatMul',
      [x.name, this.param(`${o.name}.weight`, [cin, o.out], o.init)],
      {},
      outShape,
      {
        name: bias ? `${o.name}.matmul` : o.name,
      },
    );
    if (!bias) return y;
    return this.node(
      'Add',
      [y.name, this.param(`${o.name}.bias`, [o.out], o.biasInit ?? { kind: 'zeros' })],
      {},
      outShape,
      { name: o.name },
    );
  }

  /** LayerNormalization over the last axis with learned weight (ones) and bias (zeros). */
  layerNorm(x: Value, name: string, eps: number): Value {
    const c = x.shape[x.shape.length - 1];
    if (typeof c !== 'number') throw new Error(`layerNorm ${name}: unknown features`);
    const w = this.param(`${name}.weight`, [c], { kind: 'ones' });
    const b = this.param(`${name}.bias`, [c], { kind: 'zeros' });
    return this.node(
      'LayerNormalization',
      [x.name, w, b],
      { axis: { type: 'int', value: -1 }, epsilon: { type: 'float', value: eps } },
      x.shape,
      { name },
    );
  }

  /** Batched matrix product a @ b (leading dims must agree). */
  matmul(a: Value, b: Value): Value {
    const m = a.shape[a.shape.length - 2];
    const n = b.shape[b.shape.length - 1];
    if (m === undefined || n === undefined) throw new Error('matmul needs rank >= 2');
    const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2));
    return this.node('MatMul', [a.name, b.name], {}, [...batch, m, n]);
  }

  /** Softmax along `axis` (default last). */
  softmax(x: Value, axis = -1): Value {
    return this.node('Softmax', [x.name], { axis: { type: 'int', value: axis } }, x.shape);
  }

  /** Reshape; 0 copies the input dim at that position, -1 is inferred (the batch dim may only be copied). */
  reshape(x: Value, target: number[]): Value {
    const shape: Dim[] = target.map((d, i) => {
      if (d !== 0) return d;
      const copied = x.shape[i];
      if (copied === undefined) throw new Error('reshape: 0 beyond input rank');
      return copied;
    });
    const inferred = shape.indexOf(-1);
    if (inferred >= 0) {
      const concrete = (s: Dim[]) => s.reduce<number>((p, d) => (d === 'N' || d === -1 ? p : p * d), 1);
      shape[inferred] = concrete(x.shape) / concrete(shape);
    }
    return this.node('Reshape', [x.name, this.constInt64(target)], {}, shape);
  }

  /** Transpose by `perm`. */
  transpose(x: Value, perm: number[]): Value {
    const shape = perm.map((p) => {
      const d = x.shape[p];
      if (d === undefined) throw new Error('transpose: bad perm');
      return d;
    });
    return this.node('Transpose', [x.name], { perm: { type: 'ints', value: perm } }, shape);
  }

  /** Flatten to [N, rest] (axis 1). */
  flatten(x: Value): Value {
    const [n, ...rest] = x.shape;
    if (n === undefined) throw new Error('flatten of a scalar');
    const tail = rest.map((d) => (typeof d === 'number' ? d : NaN)).reduce((p, d) => p * d, 1);
    if (Number.isNaN(tail)) throw new Error('flatten: non-batch dims must be concrete');
    return this.node('Flatten', [x.name], { axis: { type: 'int', value: 1 } }, [n, tail]);
  }

  /** x.select(axis, index): Gather with a scalar index drops the axis. */
  select(x: Value, axis: number, index: number): Value {
    const shape = x.shape.filter((_, i) => i !== axis);
    return this.node(
      'Gather',
      [x.name, this.constInt64([index], true)],
      { axis: { type: 'int', value: axis } },
      shape,
    );
  }

  /** Broadcasts a [1, ...rest] initializer to [N, ...rest], taking N from `like`'s first dim. */
  expandBatch(init: string, like: Value): Value {
    const src = this.values.get(init);
    if (!src) throw new Error(`expandBatch: unknown ${init}`);
    const n = this.node(
      'Shape',
      [like.name],
      { start: { type: 'int', value: 0 }, end: { type: 'int', value: 1 } },
      [1],
      { dtype: 'int64' },
    );
    const rest = src.shape.slice(1).map(() => 1);
    const target = this.node(
      'Concat',
      [n.name, this.constInt64(rest)],
      { axis: { type: 'int', value: 0 } },
      [src.shape.length],
      { dtype: 'int64' },
    );
    return this.node('Expand', [init, target.name], {}, [like.shape[0] ?? 'N', ...src.shape.slice(1)]);
  }

  /** Completes the graph; `output` is renamed to `outputName`. */
  finish(output: Value, outputName: string): Graph {
    for (const node of this.nodes) {
      node.inputs = node.inputs.map((i) => (i === output.name ? outputName : i));
      node.outputs = node.outputs.map((o) => (o === output.name ? outputName : o));
    }
    const inits = new Set(this.initializers.map((i) => i.name));
    const inputs = new Set(this.inputs.map((i) => i.name));
    const valueInfo = [...this.values.values()].filter(
      (v) => !inits.has(v.name) && !inputs.has(v.name) && v.name !== output.name,
    );
    return {
      name: this.graphName,
      inputs: this.inputs,
      outputs: [{ name: outputName, dtype: output.dtype, shape: output.shape }],
      nodes: this.nodes,
      initializers: this.initializers,
      valueInfo,
    };
  }

  /** Channel count (dim 1) of a value, for architecture code that branches on it. */
  channels(x: Value): number {
    const c = x.shape[1];
    if (typeof c !== 'number') throw new Error(`${x.name}: unknown channel count`);
    return c;
  }
}
