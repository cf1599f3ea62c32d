/**
 * Static cost per node. MACs come only from Conv, ConvTranspose, Gemm and MatMul (and their
 * integer / quantized forms, below), which is what fvcore / torchvision's published GMACs count.
 * FLOPs are 2 per MAC plus the element-wise work below, counted per output element unless noted:
 * - Conv / ConvTranspose / Gemm bias: 1 per output element (an add, not a MAC).
 * - BatchNormalization: 2 (inference form folds to one multiply and one add), 0 MACs.
 * - LayerNormalization / InstanceNormalization: 7 (sum for the mean, subtract, square, sum for
 *   the variance, scale by 1/sigma, multiply by gamma, add beta; per-row sqrt ignored).
 * - Softmax / LogSoftmax: 5 (max, subtract, exp, sum, divide).
 * - Pooling: kernel elements per output element (MaxPool compares, AveragePool adds + divide);
 *   global pools and reductions: 1 per input element (ReduceL2: 2).
 * - Activations: every elementary operation (add, multiply, compare, exp, erf, tanh, sqrt) is 1,
 *   so Relu 1, Clip 2, Sigmoid 4, HardSigmoid 3, HardSwish 4, Gelu 5; binary element-wise ops 1.
 * - Resize: nearest 0, linear 2 per neighbour (2^axes neighbours), cubic 2 per neighbour (4^axes).
 * - Data movement (Reshape, Transpose, Concat, Slice, Gather, ...) and shape plumbing: 0.
 *
 * Quantized ops (int8/uint8 models from onnxruntime's quantizer and the like):
 * - ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul: MACs exactly as their float
 *   counterparts and included in `macs` (so a quantized model's GMACs match its fp32 twin's),
 *   also reported separately as `intMacs` because they run as 8-bit products with int32
 *   accumulation. Their "FLOPs" (2 per MAC) are then integer operations. Zero-point corrections
 *   are not counted: kernels fold them into per-row / per-column sums outside the inner loop.
 * - Quantizing an element (divide by scale, round, add zero point, saturate as a 2-op clip): 5.
 *   QuantizeLinear 5 per element; DynamicQuantizeLinear 7 (plus a min and a max scan to find
 *   the scale; the scalar scale / zero-point arithmetic is ignored); QLinearConv and
 *   QLinearMatMul requantize their int32 result: 5 per output element, plus 1 for QLinearConv's
 *   optional bias.
 * - DequantizeLinear: 2 per element (subtract zero point, multiply by scale).
 */
import { attrInt, attrInts, attrString, product } from './onnx.js';
import type { NodeShapes } from './shapes.js';

/** Cost of one node. */
export interface NodeCost {
  macs: number;
  flops: number;
  /** The part of `macs` done as integer (8-bit) products; absent for float ops. */
  intMacs?: number;
}

/** Cost of a node from its inferred shapes; throws MissingShape when one it needs is unknown. */
type CostRule = (n: NodeShapes) => NodeCost;

/** A shape the cost rule needs is unknown (an unknown op upstream, or a non-constant shape input). */
class MissingShape extends Error {}

function inShape(n: NodeShapes, i: number): number[] {
  const s = n.inputs[i]?.shape;
  if (!s) throw new MissingShape(`input ${i}`);
  return s;
}

function outShape(n: NodeShapes, i = 0): number[] {
  const s = n.outputs[i]?.shape;
  if (!s) throw new MissingShape(`output ${i}`);
  return s;
}

const hasInput = (n: NodeShapes, i: number): boolean => (n.node.input?.[i] ?? '') !== '';

/** `k` FLOPs per output element, no MACs. */
function perOutput(k: number): CostRule {
  return (n) => ({ macs: 0, flops: k * product(outShape(n)) });
}

/** `k` FLOPs per element of input 0, no MACs. */
function perInput(k: number): CostRule {
  return (n) => ({ macs: 0, flops: k * product(inShape(n, 0)) });
}

const free: CostRule = () => ({ macs: 0, flops: 0 });

/** Conv MACs from the weight at input `wi` and the output: N * Cout * Hout * Wout * (Cin / groups) * kH * kW. */
function convMacs(n: NodeShapes, wi: number): number {
  return product(outShape(n)) * product(inShape(n, wi).slice(1));
}

/** MatMul MACs from input 0 (A) and the output: output elements times K. */
function matmulMacs(n: NodeShapes): number {
  const a = inShape(n, 0);
  return product(outShape(n)) * (a[a.length - 1] ?? 0);
}

const conv: CostRule = (n) => {
  // w is [Cout, Cin/groups, kH, kW].
  const macs = convMacs(n, 1);
  return { macs, flops: 2 * macs + (hasInput(n, 2) ? product(outShape(n)) : 0) };
};

/** FLOPs to quantize one element: divide by scale, round, add zero point, saturate (a 2-op clip). */
const QUANTIZE_FLOPS = 5;

const convInteger: CostRule = (n) => {
  const macs = convMacs(n, 1);
  return { macs, intMacs: macs, flops: 2 * macs };
};

const qlinearConv: CostRule = (n) => {
  const macs = convMacs(n, 3);
  const out = product(outShape(n));
  return { macs, intMacs: macs, flops: 2 * macs + QUANTIZE_FLOPS * out + (hasInput(n, 8) ? out : 0) };
};

const matmulInteger: CostRule = (n) => {
  const macs = matmulMacs(n);
  return { macs, intMacs: macs, flops: 2 * macs };
};

const qlinearMatmul: CostRule = (n) => {
  const macs = matmulMacs(n);
  return { macs, intMacs: macs, flops: 2 * macs + QUANTIZE_FLOPS * product(outShape(n)) };
};

const convTranspose: CostRule = (n) => {
  const x = inShape(n, 0);
  const w = inShape(n, 1);
  // Every input element is scattered into (Cout / groups) * kernel outputs; w is [Cin, Cout/groups, k...].
  const macs = product(x) * product(w.slice(1));
  return { macs, flops: 2 * macs + (hasInput(n, 2) ? product(outShape(n)) : 0) };
};

const gemm: CostRule = (n) => {
  const a = inShape(n, 0);
  const out = outShape(n);
  const k = attrInt(n.node, 'transA', 0) ? (a[0] ?? 0) : (a[1] ?? 0);
  const macs = product(out) * k;
  return { macs, flops: 2 * macs + (hasInput(n, 2) ? product(out) : 0) };
};

const matmul: CostRule = (n) => {
  // Output elements (batch broadcast included) times the shared inner dimension K.
  const macs = matmulMacs(n);
  return { macs, flops: 2 * macs };
};

const pool: CostRule = (n) => {
  const kernel = attrInts(n.node, 'kernel_shape') ?? [];
  return { macs: 0, flops: product(outShape(n)) * product(kernel) };
};

const resize: CostRule = (n) => {
  const mode = attrString(n.node, 'mode', 'nearest');
  const x = inShape(n, 0);
  const out = outShape(n);
  const resized = out.filter((d, i) => d !== x[i]).length;
  const neighbours = mode === 'nearest' ? 0 : mode === 'cubic' ? 4 ** resized : 2 ** resized;
  return { macs: 0, flops: 2 * neighbours * product(out) };
};

const zeroCostOps = [
  'Flatten',
  'Reshape',
  'Transpose',
  'Concat',
  'Split',
  'Slice',
  'Gather',
  'Squeeze',
  'Unsqueeze',
  'Expand',
  'Tile',
  'Pad',
  'Shape',
  'Size',
  'Constant',
  'ConstantOfShape',
  'Range',
  'Identity',
  'Dropout',
  'Cast',
];

/** Cost rule per op type of the default domain; an op missing here is reported as unknown. */
export const costRules: Record<string, CostRule> = {
  ...Object.fromEntries(zeroCostOps.map((op) => [op, free])),
  Conv: conv,
  ConvInteger: convInteger,
  QLinearConv: qlinearConv,
  MatMulInteger: matmulInteger,
  QLinearMatMul: qlinearMatmul,
  // Min and max scans to pick the scale, then quantize: 2 + 5 per element.
  DynamicQuantizeLinear: perInput(2 + QUANTIZE_FLOPS),
  QuantizeLinear: perInput(QUANTIZE_FLOPS),
  DequantizeLinear: perInput(2),
  ConvTranspose: convTranspose,
  Gemm: gemm,
  MatMul: matmul,
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: perInput(1),
  GlobalMaxPool: perInput(1),
  ReduceMean: perInput(1),
  ReduceSum: perInput(1),
  ReduceMax: perInput(1),
  ReduceMin: perInput(1),
  ReduceProd: perInput(1),
  ReduceL2: perInput(2),
  ArgMax: perInput(1),
  ArgMin: perInput(1),
  BatchNormalization: perOutput(2),
  LayerNormalization: perOutput(7),
  InstanceNormalization: perOutput(7),
  Softmax: perOutput(5),
  LogSoftmax: perOutput(5),
  Relu: perOutput(1),
  LeakyRelu: perOutput(2),
  PRelu: perOutput(2),
  Elu: perOutput(3),
  Selu: perOutput(4),
  Clip: perOutput(2),
  Sigmoid: perOutput(4),
  HardSigmoid: perOutput(3),
  HardSwish: perOutput(4),
  Tanh: perOutput(1),
  Erf: perOutput(1),
  Gelu: perOutput(5),
  Exp: perOutput(1),
  Log: perOutput(1),
  Sqrt: perOutput(1),
  Reciprocal: perOutput(1),
  Softplus: perOutput(3),
  Mish: perOutput(5),
  Abs: perOutput(1),
  Neg: perOutput(1),
  Floor: perOutput(1),
  Ceil: perOutput(1),
  Round: perOutput(1),
  Add: perOutput(1),
  Sub: perOutput(1),
  Mul: perOutput(1),
  Div: perOutput(1),
  Pow: perOutput(1),
  Max: perOutput(1),
  Min: perOutput(1),
  Mod: perOutput(1),
  Equal: perOutput(1),
  Less: perOutput(1),
  LessOrEqual: perOutput(1),
  Greater: perOutput(1),
  GreaterOrEqual: perOutput(1),
  And: perOutput(1),
  Or: perOutput(1),
  Not: perOutput(1),
  Where: perOutput(1),
  Resize: resize,
  Upsample: resize,
};

/** Cost of a node, or undefined when the op is unknown or a shape it needs could not be inferred. */
export function nodeCost(n: NodeShapes): NodeCost | undefined {
  const rule = costRules[n.opKey];
  if (!rule || !n.known || n.mismatch !== undefined) return undefined;
  try {
    return rule(n);
  } catch (e) {
    if (e instanceof MissingShape) return undefined;
    throw e;
  }
}
