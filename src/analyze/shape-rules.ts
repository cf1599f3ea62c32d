/**
 * Output-shape rules per ONNX op, for concrete input shapes. Small integer tensors (shapes, axes,
 * indices) also carry their values so that Shape -> Gather -> Concat -> Reshape chains fold.
 */
import {
  attr,
  attrInt,
  attrInts,
  attrString,
  ElemType,
  int64Value,
  product,
  tensorDims,
  tensorValues,
  type OnnxNode,
} from './onnx.js';

/** What is known about one tensor. */
export interface ValueInfo {
  elemType: number;
  /** Concrete dims; undefined when not inferable. */
  shape?: number[];
  /** Element values, for small constant tensors only. */
  value?: number[];
  /**
   * True when the shape is the file's own claim (value_info standing in for an op the analyzer
   * could not follow) or was computed from one. A contradiction found downstream is then the
   * file's, not the user's --shape: that node degrades to unresolved instead of failing.
   */
  unverified?: boolean;
}

/** What a rule sees of one node. */
interface RuleContext {
  node: OnnxNode;
  /** Per node input, in order; undefined for omitted optional inputs and unknown tensors. */
  inputs: (ValueInfo | undefined)[];
  opset: number;
  baseDir: string | undefined;
}

/** Computes a node's outputs (one entry per output; undefined where unknown). */
export type ShapeRule = (ctx: RuleContext) => (ValueInfo | undefined)[];

/** Thrown by a rule when a needed input shape or constant is unknown: outputs become unknown. */
export class Unresolved extends Error {}

/** Thrown by a rule when the shapes contradict the op: the model cannot run at these shapes. */
export class ShapeMismatch extends Error {}

function shapeOf(ctx: RuleContext, i: number): number[] {
  const s = ctx.inputs[i]?.shape;
  if (!s) throw new Unresolved(`input ${i} shape unknown`);
  return s;
}

function valueOf(ctx: RuleContext, i: number): number[] {
  const v = ctx.inputs[i]?.value;
  if (!v) throw new Unresolved(`input ${i} is not a constant`);
  return v;
}

/**
 * True when the node names input `i` (an empty name is an omitted optional input). A named input
 * whose info is unknown still counts as present: shapeOf/valueOf then throw Unresolved, so an
 * unknown tensor is never mistaken for an omitted one (which once turned the unknown output of
 * an unmodelled op into a scalar and broadcast the wrong shape downstream).
 */
function has(ctx: RuleContext, i: number): boolean {
  return (ctx.node.input?.[i] ?? '') !== '';
}

function typeOf(ctx: RuleContext, i: number): number {
  return ctx.inputs[i]?.elemType ?? ElemType.FLOAT;
}

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeMismatch(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Numpy-style broadcast of several shapes. */
function broadcast(shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v)
        throw new ShapeMismatch(`cannot broadcast ${shapes.map((x) => `[${x.join(',')}]`).join(' with ')}`);
      d = v;
    }
    out.push(d);
  }
  return out;
}

const same: ShapeRule = (ctx) => [
  { elemType: typeOf(ctx, 0), shape: shapeOf(ctx, 0), value: ctx.inputs[0]?.value },
];

const sameNoValue: ShapeRule = (ctx) => [{ elemType: typeOf(ctx, 0), shape: shapeOf(ctx, 0) }];

function elementwise(fold?: (a: number, b: number, isInt: boolean) => number, outType?: number): ShapeRule {
  return (ctx) => {
    const present = ctx.inputs.map((_, i) => i).filter((i) => has(ctx, i));
    const shapes = present.map((i) => shapeOf(ctx, i));
    const shape = broadcast(shapes);
    const elemType = outType ?? typeOf(ctx, 0);
    const a = ctx.inputs[0]?.value;
    const b = ctx.inputs[1]?.value;
    let value: number[] | undefined;
    if (fold && a && b && present.length === 2 && product(shape) <= 64) {
      const isInt = !isFloatCode(elemType);
      const n = product(shape);
      value = [];
      for (let i = 0; i < n; i++)
        value.push(fold(a[a.length === 1 ? 0 : i] ?? 0, b[b.length === 1 ? 0 : i] ?? 0, isInt));
    }
    return [{ elemType, shape, value }];
  };
}

function isFloatCode(t: number): boolean {
  return t === ElemType.FLOAT || t === ElemType.FLOAT16 || t === ElemType.DOUBLE || t === ElemType.BFLOAT16;
}

/** Output size of one spatial axis of a conv or pool. */
function windowOut(opts: {
  size: number;
  kernel: number;
  stride: number;
  dilation: number;
  padBegin: number;
  padEnd: number;
  autoPad: string;
  ceil: boolean;
}): number {
  const { size, kernel, stride, dilation, padBegin, padEnd, autoPad, ceil } = opts;
  const span = dilation * (kernel - 1) + 1;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / stride);
  if (autoPad === 'VALID') return Math.floor((size - span) / stride) + 1;
  const room = size + padBegin + padEnd - span;
  if (room < 0)
    throw new ShapeMismatch(
      `window of ${span} does not fit an axis of ${size} (+${padBegin + padEnd} padding)`,
    );
  if (!ceil) return Math.floor(room / stride) + 1;
  let out = Math.ceil(room / stride) + 1;
  // PyTorch and onnxruntime drop a last window that would start entirely in the end padding.
  if ((out - 1) * stride >= size + padBegin) out--;
  return out;
}

function spatialOut(ctx: RuleContext, input: number[], kernel: number[], ceil: boolean): number[] {
  const n = kernel.length;
  const strides = attrInts(ctx.node, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = attrInts(ctx.node, 'dilations') ?? new Array<number>(n).fill(1);
  const pads = attrInts(ctx.node, 'pads') ?? new Array<number>(2 * n).fill(0);
  const autoPad = attrString(ctx.node, 'auto_pad', 'NOTSET');
  return kernel.map((k, i) =>
    windowOut({
      size: input[2 + i] ?? 1,
      kernel: k,
      stride: strides[i] ?? 1,
      dilation: dilations[i] ?? 1,
      padBegin: pads[i] ?? 0,
      padEnd: pads[i + n] ?? 0,
      autoPad,
      ceil,
    }),
  );
}

/** Output shape of a convolution whose data and weight are inputs `xi` and `wi` (QLinearConv: 0 and 3). */
function convShape(ctx: RuleContext, xi: number, wi: number): number[] {
  const x = shapeOf(ctx, xi);
  const w = shapeOf(ctx, wi);
  const group = attrInt(ctx.node, 'group', 1);
  if (x.length !== w.length)
    throw new ShapeMismatch(`input rank ${x.length} does not match weight rank ${w.length}`);
  const cin = x[1] ?? 0;
  if ((w[1] ?? 0) * group !== cin) {
    throw new ShapeMismatch(`input has ${cin} channels but weight expects ${w[1] ?? 0} x group ${group}`);
  }
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? w.slice(2);
  return [x[0] ?? 1, w[0] ?? 0, ...spatialOut(ctx, x, kernel, false)];
}

const conv: ShapeRule = (ctx) => [{ elemType: typeOf(ctx, 0), shape: convShape(ctx, 0, 1) }];

const convTranspose: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const w = shapeOf(ctx, 1);
  const group = attrInt(ctx.node, 'group', 1);
  const kernel = attrInts(ctx.node, 'kernel_shape') ?? w.slice(2);
  const n = kernel.length;
  const explicit = attrInts(ctx.node, 'output_shape');
  const strides = attrInts(ctx.node, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = attrInts(ctx.node, 'dilations') ?? new Array<number>(n).fill(1);
  const pads = attrInts(ctx.node, 'pads') ?? new Array<number>(2 * n).fill(0);
  const outPad = attrInts(ctx.node, 'output_padding') ?? new Array<number>(n).fill(0);
  const spatial = explicit
    ? explicit.slice(-n)
    : kernel.map(
        (k, i) =>
          (strides[i] ?? 1) * ((x[2 + i] ?? 1) - 1) +
          (outPad[i] ?? 0) +
          ((k - 1) * (dilations[i] ?? 1) + 1) -
          (pads[i] ?? 0) -
          (pads[i + n] ?? 0),
      );
  return [{ elemType: typeOf(ctx, 0), shape: [x[0] ?? 1, (w[1] ?? 0) * group, ...spatial] }];
};

const pool: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const kernel = attrInts(ctx.node, 'kernel_shape');
  if (!kernel) throw new ShapeMismatch('kernel_shape attribute missing');
  const out = [x[0] ?? 1, x[1] ?? 1, ...spatialOut(ctx, x, kernel, attrInt(ctx.node, 'ceil_mode', 0) === 1)];
  // MaxPool's optional second output (indices) has the same shape.
  return [
    { elemType: typeOf(ctx, 0), shape: out },
    { elemType: ElemType.INT64, shape: out },
  ];
};

const globalPool: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  return [{ elemType: typeOf(ctx, 0), shape: [x[0] ?? 1, x[1] ?? 1, ...x.slice(2).map(() => 1)] }];
};

const gemm: ShapeRule = (ctx) => {
  const a = shapeOf(ctx, 0);
  const b = shapeOf(ctx, 1);
  if (a.length !== 2 || b.length !== 2)
    throw new ShapeMismatch(`Gemm needs 2-D inputs, got [${a.join(',')}] and [${b.join(',')}]`);
  const [m, ka] = attrInt(ctx.node, 'transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = attrInt(ctx.node, 'transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  if (ka !== kb) throw new ShapeMismatch(`Gemm inner dimensions differ: ${ka} vs ${kb}`);
  return [{ elemType: typeOf(ctx, 0), shape: [m ?? 0, n ?? 0] }];
};

/** Output shape of numpy matmul. */
function matmulShape(a: number[], b: number[]): number[] {
  const a2 = a.length === 1 ? [1, a[0] ?? 0] : a;
  const b2 = b.length === 1 ? [b[0] ?? 0, 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (k1 !== k2)
    throw new ShapeMismatch(`MatMul inner dimensions differ: [${a.join(',')}] x [${b.join(',')}]`);
  const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch, a2[a2.length - 2] ?? 1, b2[b2.length - 1] ?? 1];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

const matmul: ShapeRule = (ctx) => [
  { elemType: typeOf(ctx, 0), shape: matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 1)) },
];

const flatten: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const axis = attrInt(ctx.node, 'axis', 1);
  const a = axis < 0 ? axis + x.length : axis;
  return [{ elemType: typeOf(ctx, 0), shape: [product(x.slice(0, a)), product(x.slice(a))] }];
};

const reshape: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const target = ctx.opset >= 5 ? valueOf(ctx, 1) : (attrInts(ctx.node, 'shape') ?? []);
  const allowZero = attrInt(ctx.node, 'allowzero', 0) === 1;
  const out = target.map((d, i) => (d === 0 && !allowZero ? (x[i] ?? 0) : d));
  const infer = out.indexOf(-1);
  const total = product(x);
  if (infer >= 0) {
    const known = product(out.filter((_, i) => i !== infer));
    if (known === 0 || total % known !== 0)
      throw new ShapeMismatch(`cannot reshape [${x.join(',')}] to [${target.join(',')}]`);
    out[infer] = total / known;
  } else if (product(out) !== total) {
    throw new ShapeMismatch(`cannot reshape [${x.join(',')}] (${total} elements) to [${out.join(',')}]`);
  }
  return [{ elemType: typeOf(ctx, 0), shape: out, value: ctx.inputs[0]?.value }];
};

const transpose: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const perm = attrInts(ctx.node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
  return [{ elemType: typeOf(ctx, 0), shape: perm.map((p) => x[p] ?? 0) }];
};

const concat: ShapeRule = (ctx) => {
  const shapes = ctx.inputs.map((_, i) => shapeOf(ctx, i));
  const first = shapes[0] ?? [];
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), first.length);
  const out = [...first];
  out[axis] = shapes.reduce((sum, s) => sum + (s[axis] ?? 0), 0);
  const values = ctx.inputs.map((v) => v?.value);
  const value =
    first.length === 1 && values.every((v) => v !== undefined) ? values.flatMap((v) => v ?? []) : undefined;
  return [{ elemType: typeOf(ctx, 0), shape: out, value }];
};

const split: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.length);
  const outputs = ctx.node.output?.length ?? 1;
  let sizes: number[] | undefined =
    ctx.opset >= 13 ? (has(ctx, 1) ? valueOf(ctx, 1) : undefined) : attrInts(ctx.node, 'split');
  if (!sizes) {
    const total = x[axis] ?? 0;
    const chunk = Math.ceil(total / outputs);
    sizes = Array.from({ length: outputs }, (_, i) => Math.max(0, Math.min(chunk, total - i * chunk)));
  }
  return sizes.map((s) => {
    const shape = [...x];
    shape[axis] = s;
    return { elemType: typeOf(ctx, 0), shape };
  });
};

/** ONNX Slice clamping: starts to [0, dim] (or [0, dim-1] stepping back), ends to [0, dim] (or [-1, dim-1]). */
function clampIndex(v: number, dim: number, step: number, isStart: boolean): number {
  const i = v < 0 ? v + dim : v;
  if (step > 0) return Math.min(Math.max(i, 0), dim);
  return Math.min(Math.max(i, isStart ? 0 : -1), dim - 1);
}

const slice: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const useInputs = ctx.opset >= 10;
  const starts = useInputs ? valueOf(ctx, 1) : (attrInts(ctx.node, 'starts') ?? []);
  const ends = useInputs ? valueOf(ctx, 2) : (attrInts(ctx.node, 'ends') ?? []);
  const axes =
    (useInputs ? (has(ctx, 3) ? valueOf(ctx, 3) : undefined) : attrInts(ctx.node, 'axes')) ??
    starts.map((_, i) => i);
  const steps = useInputs && has(ctx, 4) ? valueOf(ctx, 4) : starts.map(() => 1);
  const out = [...x];
  const ranges: [number, number, number][] = x.map((d) => [0, d, 1]);
  axes.forEach((axisRaw, i) => {
    const axis = normAxis(axisRaw, x.length);
    const dim = x[axis] ?? 0;
    const step = steps[i] ?? 1;
    const s = clampIndex(starts[i] ?? 0, dim, step, true);
    const e = clampIndex(ends[i] ?? dim, dim, step, false);
    out[axis] = Math.max(0, Math.ceil((e - s) / step));
    ranges[axis] = [s, e, step];
  });
  const v = ctx.inputs[0]?.value;
  let value: number[] | undefined;
  if (v && x.length === 1 && ranges[0]) {
    const [s, e, step] = ranges[0];
    value = [];
    for (let i = s; step > 0 ? i < e : i > e; i += step) value.push(v[i] ?? 0);
  }
  return [{ elemType: typeOf(ctx, 0), shape: out, value }];
};

const gather: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const idx = shapeOf(ctx, 1);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.length);
  const shape = [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)];
  const data = ctx.inputs[0]?.value;
  const indices = ctx.inputs[1]?.value;
  let value: number[] | undefined;
  if (data && indices && x.length === 1) {
    const n = x[0] ?? 0;
    value = indices.map((i) => data[i < 0 ? i + n : i] ?? 0);
  }
  return [{ elemType: typeOf(ctx, 0), shape, value }];
};

function axesFrom(ctx: RuleContext, inputSince: number): number[] | undefined {
  if (ctx.opset >= inputSince) return has(ctx, 1) ? valueOf(ctx, 1) : undefined;
  return attrInts(ctx.node, 'axes');
}

const squeeze: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const axes = axesFrom(ctx, 13)?.map((a) => normAxis(a, x.length));
  const shape = x.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  return [{ elemType: typeOf(ctx, 0), shape, value: ctx.inputs[0]?.value }];
};

const unsqueeze: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const axesRaw = axesFrom(ctx, 13);
  if (!axesRaw) throw new ShapeMismatch('Unsqueeze needs axes');
  const rank = x.length + axesRaw.length;
  const axes = axesRaw.map((a) => normAxis(a, rank));
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : (x[j++] ?? 1));
  return [{ elemType: typeOf(ctx, 0), shape, value: ctx.inputs[0]?.value }];
};

function reduce(axesInputSince: number): ShapeRule {
  return (ctx) => {
    const x = shapeOf(ctx, 0);
    const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
    const axesRaw = axesFrom(ctx, axesInputSince);
    const noop = attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1;
    if (!axesRaw?.length && noop) return [{ elemType: typeOf(ctx, 0), shape: x }];
    const axes = axesRaw?.length ? axesRaw.map((a) => normAxis(a, x.length)) : x.map((_, i) => i);
    const shape = keep ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i));
    return [{ elemType: typeOf(ctx, 0), shape }];
  };
}

const argReduce: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.length);
  const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
  const shape = keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis);
  return [{ elemType: ElemType.INT64, shape }];
};

const layerNorm: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const axis = normAxis(attrInt(ctx.node, 'axis', -1), x.length);
  const stat = x.map((d, i) => (i < axis ? d : 1));
  return [
    { elemType: typeOf(ctx, 0), shape: x },
    { elemType: ElemType.FLOAT, shape: stat },
    { elemType: ElemType.FLOAT, shape: stat },
  ];
};

const batchNorm: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const c = [x[1] ?? 1];
  // Training-mode outputs (running mean/var) are per channel.
  return [
    { elemType: typeOf(ctx, 0), shape: x },
    { elemType: ElemType.FLOAT, shape: c },
    { elemType: ElemType.FLOAT, shape: c },
  ];
};

const shapeOp: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const start = attrInt(ctx.node, 'start', 0);
  const end = attrInt(ctx.node, 'end', x.length);
  const dims = x.slice(start < 0 ? start + x.length : start, end < 0 ? end + x.length : end);
  return [{ elemType: ElemType.INT64, shape: [dims.length], value: dims }];
};

const constant: ShapeRule = (ctx) => {
  const t = attr(ctx.node, 'value')?.t;
  if (t)
    return [
      { elemType: t.dataType ?? ElemType.FLOAT, shape: tensorDims(t), value: tensorValues(t, ctx.baseDir) },
    ];
  const f = attr(ctx.node, 'value_float');
  if (f) return [{ elemType: ElemType.FLOAT, shape: [], value: [f.f ?? 0] }];
  const i = attr(ctx.node, 'value_int');
  if (i) return [{ elemType: ElemType.INT64, shape: [], value: [int64Value(i.i)] }];
  const fs = attr(ctx.node, 'value_floats');
  if (fs)
    return [{ elemType: ElemType.FLOAT, shape: [fs.floats?.length ?? 0], value: [...(fs.floats ?? [])] }];
  const is = attr(ctx.node, 'value_ints');
  if (is)
    return [
      {
        elemType: ElemType.INT64,
        shape: [is.ints?.length ?? 0],
        value: (is.ints ?? []).map((v) => int64Value(v)),
      },
    ];
  throw new Unresolved('Constant without a supported value attribute');
};

const constantOfShape: ShapeRule = (ctx) => {
  const shape = valueOf(ctx, 0);
  const t = attr(ctx.node, 'value')?.t;
  const fill = t ? (tensorValues(t)?.[0] ?? 0) : 0;
  const n = product(shape);
  return [
    {
      elemType: t?.dataType ?? ElemType.FLOAT,
      shape,
      value: n <= 64 ? new Array<number>(n).fill(fill) : undefined,
    },
  ];
};

const expand: ShapeRule = (ctx) => [
  { elemType: typeOf(ctx, 0), shape: broadcast([shapeOf(ctx, 0), valueOf(ctx, 1)]) },
];

const tile: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const reps = valueOf(ctx, 1);
  return [{ elemType: typeOf(ctx, 0), shape: x.map((d, i) => d * (reps[i] ?? 1)) }];
};

const pad: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  const pads = ctx.opset >= 11 ? valueOf(ctx, 1) : (attrInts(ctx.node, 'pads') ?? []);
  const axes =
    ctx.opset >= 18 && has(ctx, 3) ? valueOf(ctx, 3).map((a) => normAxis(a, x.length)) : x.map((_, i) => i);
  const out = [...x];
  axes.forEach((a, i) => {
    out[a] = (x[a] ?? 0) + (pads[i] ?? 0) + (pads[i + axes.length] ?? 0);
  });
  return [{ elemType: typeOf(ctx, 0), shape: out }];
};

const resize: ShapeRule = (ctx) => {
  const x = shapeOf(ctx, 0);
  // Opset 10 Resize and opset 9 Upsample take scales as input 1; opset 11+ Resize as input 2, sizes as 3.
  if (ctx.opset >= 11 && ctx.node.opType === 'Resize') {
    if (has(ctx, 3) && (shapeOf(ctx, 3)[0] ?? 0) > 0)
      return [{ elemType: typeOf(ctx, 0), shape: valueOf(ctx, 3) }];
    const scales = valueOf(ctx, 2);
    return [{ elemType: typeOf(ctx, 0), shape: x.map((d, i) => Math.floor(d * (scales[i] ?? 1))) }];
  }
  const scales = has(ctx, 1) ? valueOf(ctx, 1) : (attr(ctx.node, 'scales')?.floats ?? []);
  return [{ elemType: typeOf(ctx, 0), shape: x.map((d, i) => Math.floor(d * (scales[i] ?? 1))) }];
};

const cast: ShapeRule = (ctx) => {
  const to = attrInt(ctx.node, 'to', ElemType.FLOAT);
  const v = ctx.inputs[0]?.value;
  return [
    { elemType: to, shape: shapeOf(ctx, 0), value: v && !isFloatCode(to) ? v.map((x) => Math.trunc(x)) : v },
  ];
};

const dropout: ShapeRule = (ctx) => [
  { elemType: typeOf(ctx, 0), shape: shapeOf(ctx, 0) },
  { elemType: ElemType.BOOL, shape: shapeOf(ctx, 0) },
];

const where: ShapeRule = (ctx) => [
  { elemType: typeOf(ctx, 1), shape: broadcast([shapeOf(ctx, 0), shapeOf(ctx, 1), shapeOf(ctx, 2)]) },
];

const range: ShapeRule = (ctx) => {
  const [start, limit, delta] = [valueOf(ctx, 0)[0] ?? 0, valueOf(ctx, 1)[0] ?? 0, valueOf(ctx, 2)[0] ?? 1];
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return [
    {
      elemType: typeOf(ctx, 0),
      shape: [n],
      value: n <= 64 ? Array.from({ length: n }, (_, i) => start + i * delta) : undefined,
    },
  ];
};

const size: ShapeRule = (ctx) => [{ elemType: ElemType.INT64, shape: [], value: [product(shapeOf(ctx, 0))] }];

const compare = elementwise(undefined, ElemType.BOOL);

const trunc = (a: number, isInt: boolean): number => (isInt ? Math.trunc(a) : a);

/*
 * Quantized ops (ONNX spec, opsets 10-21). Integer ops accumulate in int32; the QLinear ops and
 * QuantizeLinear emit the type of their output zero point (uint8 or int8, uint8 when omitted).
 */

/** Element type of an optional zero-point input, uint8 (the spec's default) when absent or unknown. */
function zeroPointType(ctx: RuleContext, i: number): number {
  return (has(ctx, i) ? ctx.inputs[i]?.elemType : undefined) ?? ElemType.UINT8;
}

/** ConvInteger(x, w, x_zero_point?, w_zero_point?) -> int32 y, shaped like Conv's. */
const convInteger: ShapeRule = (ctx) => [{ elemType: ElemType.INT32, shape: convShape(ctx, 0, 1) }];

/** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?) -> y of y_zp's type. */
const qlinearConv: ShapeRule = (ctx) => [{ elemType: zeroPointType(ctx, 7), shape: convShape(ctx, 0, 3) }];

/** MatMulInteger(A, B, a_zero_point?, b_zero_point?) -> int32, numpy-matmul shape. */
const matmulInteger: ShapeRule = (ctx) => [
  { elemType: ElemType.INT32, shape: matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 1)) },
];

/** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) -> y of y_zp's type. */
const qlinearMatmul: ShapeRule = (ctx) => [
  { elemType: zeroPointType(ctx, 7), shape: matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 3)) },
];

/** DynamicQuantizeLinear(x) -> y (uint8, x's shape), y_scale (float scalar), y_zero_point (uint8 scalar). */
const dynamicQuantizeLinear: ShapeRule = (ctx) => [
  { elemType: ElemType.UINT8, shape: shapeOf(ctx, 0) },
  { elemType: ElemType.FLOAT, shape: [] },
  { elemType: ElemType.UINT8, shape: [] },
];

/** QuantizeLinear(x, y_scale, y_zero_point?) -> y shaped like x; opset 21's output_dtype wins over the zero point's type. */
const quantizeLinear: ShapeRule = (ctx) => {
  const outputDtype = attrInt(ctx.node, 'output_dtype', 0);
  return [{ elemType: outputDtype !== 0 ? outputDtype : zeroPointType(ctx, 2), shape: shapeOf(ctx, 0) }];
};

/** DequantizeLinear(x, x_scale, x_zero_point?) -> y shaped like x: float32, or x_scale's type from opset 19. */
const dequantizeLinear: ShapeRule = (ctx) => [
  {
    elemType: ctx.opset >= 19 ? (ctx.inputs[1]?.elemType ?? ElemType.FLOAT) : ElemType.FLOAT,
    shape: shapeOf(ctx, 0),
  },
];

/** Shape rule per op type of the default domain. */
export const shapeRules: Record<string, ShapeRule> = {
  Conv: conv,
  ConvInteger: convInteger,
  QLinearConv: qlinearConv,
  MatMulInteger: matmulInteger,
  QLinearMatMul: qlinearMatmul,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  Gemm: gemm,
  MatMul: matmul,
  BatchNormalization: batchNorm,
  InstanceNormalization: sameNoValue,
  LayerNormalization: layerNorm,
  Softmax: sameNoValue,
  LogSoftmax: sameNoValue,
  Relu: sameNoValue,
  LeakyRelu: sameNoValue,
  PRelu: elementwise(),
  Elu: sameNoValue,
  Selu: sameNoValue,
  Clip: sameNoValue,
  Sigmoid: sameNoValue,
  HardSigmoid: sameNoValue,
  HardSwish: sameNoValue,
  Tanh: sameNoValue,
  Erf: sameNoValue,
  Gelu: sameNoValue,
  Exp: sameNoValue,
  Log: sameNoValue,
  Sqrt: sameNoValue,
  Reciprocal: sameNoValue,
  Softplus: sameNoValue,
  Mish: sameNoValue,
  Abs: sameNoValue,
  Neg: (ctx) => [
    { elemType: typeOf(ctx, 0), shape: shapeOf(ctx, 0), value: ctx.inputs[0]?.value?.map((v) => -v) },
  ],
  Floor: same,
  Ceil: same,
  Round: same,
  Add: elementwise((a, b) => a + b),
  Sub: elementwise((a, b) => a - b),
  Mul: elementwise((a, b) => a * b),
  Div: elementwise((a, b, isInt) => trunc(a / b, isInt)),
  Pow: elementwise((a, b) => a ** b),
  Max: elementwise((a, b) => Math.max(a, b)),
  Min: elementwise((a, b) => Math.min(a, b)),
  Mod: elementwise((a, b) => a % b),
  Equal: compare,
  Less: compare,
  LessOrEqual: compare,
  Greater: compare,
  GreaterOrEqual: compare,
  And: compare,
  Or: compare,
  Not: (ctx) => [{ elemType: ElemType.BOOL, shape: shapeOf(ctx, 0) }],
  Where: where,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  ReduceMean: reduce(18),
  ReduceSum: reduce(13),
  ReduceMax: reduce(18),
  ReduceMin: reduce(18),
  ReduceProd: reduce(18),
  ReduceL2: reduce(18),
  ArgMax: argReduce,
  ArgMin: argReduce,
  Shape: shapeOp,
  Size: size,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  Identity: same,
  Dropout: dropout,
  Cast: cast,
  Resize: resize,
  Upsample: resize,
};
