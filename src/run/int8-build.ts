/**
 * int8 QDQ variants of the zoo models, as onnxruntime's static quantizer writes them:
 * - batch norms folded into the Conv before them (as the quantizer's pre-processing does), so each
 *   Conv is one 8-bit kernel rather than Conv + float BatchNormalization;
 * - weights of Conv / Gemm / MatMul: int8, per output channel, symmetric (scale = max |w| / 127);
 * - biases: int32 at scale x_scale * w_scale, as QLinearConv and QGemm take them;
 * - activations entering and leaving those ops: uint8 with a zero point, from the min / max seen in a
 *   calibration pass of seeded inputs through onnxruntime on the CPU. A Relu or Clip(0, m) right after
 *   the op is absorbed by its output quantizer (zero point 0 clamps as Relu does), so the engine can
 *   fuse Conv + activation + quantize into one kernel.
 * The logits stay float.
 */
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { attrFloat, attrInt, tensorDims, product } from '../analyze/onnx.js';
import { BenchError } from '../core/errors.js';
import { generateInputs } from './inputs.js';

const { onnx } = onnxProto;
type Tensor = onnxProto.onnx.ITensorProto;
type Node = onnxProto.onnx.INodeProto;

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;

/** Options of {@link quantizeQdq}. */
export interface QdqOptions {
  /** Seed of the calibration inputs (N(0, 1) like bench inputs; see generateInputs). */
  seed: number;
  /** Images in the calibration batch. */
  images: number;
  /** Input name and its NCHW shape without the batch. */
  input: { name: string; chw: number[] };
}

/** A float tensor's values (raw_data or float_data). */
function floatsOf(t: Tensor): Float32Array {
  if (t.rawData && t.rawData.length > 0) {
    // Copied: raw_data may sit at an offset that is not 4-byte aligned.
    return new Float32Array(Uint8Array.from(t.rawData).buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

function tensor(name: string, dims: number[], dataType: number, data: ArrayBufferView, doc = ''): Tensor {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType,
    docString: doc,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

/** Scales and zero points are graph plumbing, not parameters (the emitter's marker, see ir.ts). */
const PLUMBING = 'constant';

function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: onnxProto.onnx.IAttributeProto[] = [],
): Node {
  return onnx.NodeProto.create({ name: output[0] ?? '', opType, input, output, attribute });
}

/** Folds every BatchNormalization that alone consumes a Conv's output into that Conv's weight and bias. */
function foldBatchNorms(graph: onnxProto.onnx.IGraphProto): void {
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const nodes = graph.node ?? [];
  const consumers = countConsumers(graph);
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const dropped = new Set<Node>();
  for (const bn of nodes) {
    if (bn.opType !== 'BatchNormalization') continue;
    const conv = producer.get(bn.input?.[0] ?? '');
    const w = inits.get(conv?.input?.[1] ?? '');
    const [gamma, beta, mean, variance] = (bn.input ?? []).slice(1).map((n) => inits.get(n));
    if (!conv || conv.opType !== 'Conv' || !w || !gamma || !beta || !mean || !variance) continue;
    if ((consumers.get(conv.output?.[0] ?? '') ?? 0) !== 1) continue;
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const [g, b, m, v, wv] = [gamma, beta, mean, variance, w].map(floatsOf) as Float32Array[];
    const cout = g!.length;
    const per = wv!.length / cout;
    const oldBias = conv.input?.[2] ? floatsOf(inits.get(conv.input[2])!) : new Float32Array(cout);
    const bias = new Float32Array(cout);
    for (let o = 0; o < cout; o++) {
      const k = g![o]! / Math.sqrt(v![o]! + eps);
      for (let i = 0; i < per; i++) wv![o * per + i]! *= k;
      bias[o] = (oldBias[o]! - m![o]!) * k + b![o]!;
    }
    w.rawData = new Uint8Array(wv!.buffer);
    w.floatData = [];
    const biasName = `${conv.output?.[0] ?? ''}.folded_bias`;
    graph.initializer!.push(tensor(biasName, [cout], FLOAT, bias));
    conv.input = [conv.input![0]!, conv.input![1]!, biasName];
    conv.output = [bn.output![0]!];
    dropped.add(bn);
    for (const t of [gamma, beta, mean, variance]) inits.delete(t.name ?? '');
  }
  graph.node = nodes.filter((n) => !dropped.has(n));
  const used = new Set(graph.node.flatMap((n) => n.input ?? []));
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
}

function countConsumers(graph: onnxProto.onnx.IGraphProto): Map<string, number> {
  const count = new Map<string, number>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) count.set(i, (count.get(i) ?? 0) + 1);
  for (const o of graph.output ?? []) count.set(o.name ?? '', (count.get(o.name ?? '') ?? 0) + 1);
  return count;
}

/** The ops quantized, with the weight's output-channel axis. */
function weightAxis(n: Node, w: Tensor): number | undefined {
  const rank = tensorDims(w).length;
  if (n.opType === 'Conv') return 0;
  if (n.opType === 'Gemm') return attrInt(n, 'transB', 0) ? 0 : 1;
  if (n.opType === 'MatMul' && rank === 2) return 1;
  return undefined;
}

/** Min and max of each named tensor over one run of seeded inputs through onnxruntime CPU. */
async function calibrate(
  graph: onnxProto.onnx.IGraphProto,
  model: onnxProto.onnx.ModelProto,
  names: string[],
  o: QdqOptions,
): Promise<Map<string, { min: number; max: number }>> {
  const probe = onnx.ModelProto.create({ ...model, graph: { ...graph } });
  const have = new Set((graph.output ?? []).map((v) => v.name ?? ''));
  const fetched = names.filter((n) => n !== o.input.name);
  probe.graph!.output = [
    ...(graph.output ?? []),
    ...fetched
      .filter((n) => !have.has(n))
      .map((name) => ({ name, type: { tensorType: { elemType: FLOAT } } })),
  ];
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(probe).finish(), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'basic',
  });
  try {
    const shape = [o.images, ...o.input.chw];
    const data = generateInputs([{ name: o.input.name, dtype: 'float32', shape }], o.seed).get(o.input.name)!;
    const out = await session.run(
      { [o.input.name]: new ort.Tensor('float32', data.data as Float32Array, shape) },
      fetched,
    );
    const ranges = new Map<string, { min: number; max: number }>();
    for (const name of names) {
      const values = (name === o.input.name ? data.data : out[name]?.data) as Float32Array;
      let min = 0;
      let max = 0;
      for (const v of values) {
        if (v < min) min = v;
        else if (v > max) max = v;
      }
      ranges.set(name, { min, max });
    }
    return ranges;
  } finally {
    await session.release();
  }
}

/** uint8 scale and zero point covering [min, max] (which always includes 0, so 0 is exact). */
function uint8Params(r: { min: number; max: number }): { scale: number; zp: number } {
  // A tensor that was 0 everywhere in calibration: any positive scale represents it exactly.
  if (r.max - r.min <= 0) return { scale: 1, zp: 0 };
  const scale = (r.max - r.min) / 255;
  return { scale, zp: Math.min(255, Math.max(0, Math.round(-r.min / scale))) };
}

/** The Clip upper bound when `n` is Relu or Clip(0, m) with constant bounds; undefined otherwise. */
function absorbableMax(n: Node, inits: Map<string, Tensor>): number | undefined {
  if (n.opType === 'Relu') return Infinity;
  if (n.opType !== 'Clip') return undefined;
  const lo = inits.get(n.input?.[1] ?? '');
  const hi = inits.get(n.input?.[2] ?? '');
  if (!lo || floatsOf(lo)[0] !== 0) return undefined;
  return hi ? (floatsOf(hi)[0] ?? Infinity) : Infinity;
}

/**
 * The int8 QDQ form of an fp32 model (see the file comment). Deterministic for the same bytes and
 * options. Throws a one-line BenchError when the model has no Conv / Gemm / MatMul with a weight.
 */
export async function quantizeQdq(fp32: Uint8Array, o: QdqOptions): Promise<Uint8Array> {
  const model = onnx.ModelProto.decode(fp32);
  const graph = model.graph!;
  foldBatchNorms(graph);
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const consumers = countConsumers(graph);
  const graphOutputs = new Set((graph.output ?? []).map((v) => v.name ?? ''));
  const nodes = graph.node ?? [];
  const users = new Map<string, Node[]>();
  for (const n of nodes) for (const i of n.input ?? []) users.set(i, [...(users.get(i) ?? []), n]);

  const targets = nodes.filter((n) => {
    const w = inits.get(n.input?.[1] ?? '');
    return (
      w !== undefined &&
      w.dataType === FLOAT &&
      weightAxis(n, w) !== undefined &&
      !inits.has(n.input?.[0] ?? '')
    );
  });
  if (targets.length === 0) {
    throw new BenchError(
      'E_UNSUPPORTED',
      `${graph.name ?? 'model'}: no Conv, Gemm or MatMul with a weight to quantize`,
    );
  }
  // Activation tensors to quantize: each target's input, and its output unless that is a graph output.
  // An absorbed Relu / Clip's output becomes the DequantizeLinear's output.
  const absorbed = new Map<string, { act: Node; max: number }>();
  const sources = new Set<string>();
  for (const n of targets) {
    sources.add(n.input![0]!);
    const out = n.output![0]!;
    if (graphOutputs.has(out)) continue;
    const only = consumers.get(out) === 1 ? users.get(out)?.[0] : undefined;
    const max = only ? absorbableMax(only, inits) : undefined;
    if (only && max !== undefined && !graphOutputs.has(only.output![0]!))
      absorbed.set(out, { act: only, max });
    sources.add(out);
  }
  // An input that is an absorbed activation's output is already quantized by that activation's producer.
  const absorbedOutputs = new Map([...absorbed].map(([src, a]) => [a.act.output![0]!, src]));
  for (const s of [...sources]) if (absorbedOutputs.has(s)) sources.delete(s);

  const ranges = await calibrate(graph, model, [...sources], o);
  const params = new Map<string, { scale: number; zp: number; dq: string }>();
  const renames = new Map<string, string>();
  const newInits: Tensor[] = [];
  for (const s of sources) {
    const r = ranges.get(s)!;
    const a = absorbed.get(s);
    const clamped = a ? { min: 0, max: Math.min(r.max, a.max) } : r;
    const p = uint8Params(clamped);
    const dq = a ? a.act.output![0]! : `${s}_dq`;
    params.set(s, { ...p, dq });
    params.set(dq, { ...p, dq });
    if (!a) renames.set(s, dq);
    newInits.push(
      tensor(`${s}_scale`, [], FLOAT, Float32Array.of(p.scale), PLUMBING),
      tensor(`${s}_zp`, [], UINT8, Uint8Array.of(p.zp), PLUMBING),
    );
  }
  const qdqPair = (s: string): Node[] => [
    node('QuantizeLinear', [s, `${s}_scale`, `${s}_zp`], [`${s}_q`]),
    node('DequantizeLinear', [`${s}_q`, `${s}_scale`, `${s}_zp`], [params.get(s)!.dq]),
  ];

  const targetSet = new Set(targets);
  const dropped = new Set([...absorbed.values()].map((a) => a.act));
  const out: Node[] = [];
  for (const i of graph.input ?? []) if (sources.has(i.name ?? '')) out.push(...qdqPair(i.name ?? ''));
  for (const n of nodes) {
    if (dropped.has(n)) continue;
    n.input = (n.input ?? []).map((i) => renames.get(i) ?? i);
    if (targetSet.has(n)) out.push(...quantizeWeights(n, inits, params, newInits));
    out.push(n);
    for (const o2 of n.output ?? []) if (sources.has(o2)) out.push(...qdqPair(o2));
  }
  graph.node = out;
  graph.initializer = [...(graph.initializer ?? []), ...newInits];
  const used = new Set(out.flatMap((n) => n.input ?? []));
  graph.initializer = graph.initializer.filter((t) => used.has(t.name ?? ''));
  model.docString = `${model.docString ?? ''}; int8 QDQ: per-channel symmetric int8 weights, uint8 activations calibrated on ${o.images} seeded N(0,1) inputs (seed ${o.seed}) through onnxruntime CPU`;
  return onnx.ModelProto.encode(model).finish();
}

/** Replaces a target's weight (and bias) inputs by DequantizeLinear of int8 (int32) tensors; returns those nodes. */
function quantizeWeights(
  n: Node,
  inits: Map<string, Tensor>,
  params: Map<string, { scale: number; zp: number }>,
  newInits: Tensor[],
): Node[] {
  const wName = n.input![1]!;
  const w = inits.get(wName)!;
  const dims = tensorDims(w);
  const axis = weightAxis(n, w)!;
  const values = floatsOf(w);
  const channels = dims[axis]!;
  const inner = product(dims.slice(axis + 1));
  const scales = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    scales[c] = Math.max(scales[c]!, Math.abs(values[i]!));
  }
  // An all-zero channel: any positive scale represents it exactly (a zero scale would be invalid).
  for (let c = 0; c < channels; c++) scales[c] = scales[c]! > 0 ? scales[c]! / 127 : 1;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    q[i] = Math.max(-127, Math.min(127, Math.round(values[i]! / scales[c]!)));
  }
  const base = wName;
  newInits.push(
    tensor(`${base}_q`, dims, INT8, q),
    tensor(`${base}_scale`, [channels], FLOAT, scales, PLUMBING),
    tensor(`${base}_zp`, [channels], INT8, new Int8Array(channels), PLUMBING),
  );
  const axisAttr = { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis };
  const nodes = [
    node('DequantizeLinear', [`${base}_q`, `${base}_scale`, `${base}_zp`], [`${base}_dq`], [axisAttr]),
  ];
  const inputs = [...n.input!];
  inputs[1] = `${base}_dq`;
  const bName = n.input?.[2];
  const x = params.get(n.input![0]!);
  const bias = bName ? inits.get(bName) : undefined;
  if (bias && x) {
    const b = floatsOf(bias);
    const bScale = Float32Array.from(scales, (s) => s * x.scale);
    const bq = Int32Array.from(b, (v, c) => Math.round(v / bScale[c]!));
    newInits.push(
      tensor(`${bName}_q`, [b.length], INT32, bq),
      tensor(`${bName}_scale`, [b.length], FLOAT, bScale, PLUMBING),
      tensor(`${bName}_zp`, [b.length], INT32, new Int32Array(b.length), PLUMBING),
    );
    nodes.push(
      node(
        'DequantizeLinear',
        [`${bName}_q`, `${bName}_scale`, `${bName}_zp`],
        [`${bName}_dq`],
        [{ ...axisAttr, i: 0 }],
      ),
    );
    inputs[2] = `${bName}_dq`;
  }
  n.input = inputs;
  return nodes;
}
