/**
 * The model-zoo graph IR: a plain, precision-independent description of an inference graph that
 * the ONNX emitter (onnx-emit.ts) serialises and that other engines (e.g. a TensorFlow.js
 * interpreter working in NHWC) can execute directly. Everything here is plain data: no classes,
 * no closures, so a graph can be walked, inspected or transformed without this package.
 *
 * Conventions
 * - Layout is NCHW, exactly as ONNX and torchvision: activations `[N, C, H, W]`, conv weights
 *   `[out, in / groups, kH, kW]`. Dimension `'N'` is the symbolic batch dimension.
 * - `nodes` are topologically ordered: every input of a node is a graph input, an initializer
 *   or an output of an earlier node.
 * - Float tensors are stored as float32. The emitter converts them (weights, constants, graph
 *   inputs and outputs) to float16 for fp16 builds; int64 tensors (shapes) stay int64.
 * - Op semantics are ONNX opset 17 (default domain), listed in {@link OpType}.
 *
 * Parameter counting rule (torchvision's `sum(p.numel() for p in model.parameters())`):
 * initializers of kind `'param'` are counted; `'buffer'` (batch-norm running mean / variance,
 * which torchvision keeps as buffers) and `'constant'` (shape vectors, Clip bounds, GELU
 * constants: graph plumbing, not learned) are not. The ONNX emitter marks them on the
 * TensorProto: `doc_string` is `"buffer"` or `"constant"` respectively and empty for params, so
 * an analyzer that only sees the .onnx file can apply the same rule.
 */

/** A tensor dimension: a size, or the symbolic batch dimension. */
export type Dim = number | 'N';

/** Element type of a value. `'float32'` means "the model's float precision" (float16 in fp16 builds). */
export type ValueDType = 'float32' | 'int64';

/** A named tensor with its (inferred) shape. */
export interface ValueInfo {
  name: string;
  dtype: ValueDType;
  shape: Dim[];
}

/** An attribute value, explicitly typed so an int 1 and a float 1.0 stay distinct in ONNX. */
export type Attr =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'float'; value: number }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string };

/**
 * The op set (ONNX opset 17 semantics, default domain). Inputs in order; `?` marks optional.
 * - Conv(X, W, B?) attrs kernel_shape, strides, pads [top, left, bottom, right], dilations,
 *   group. Grouped conv: `group > 1`; depthwise: `group == C_in == C_out`.
 * - BatchNormalization(X, scale, B, mean, var) attr epsilon; inference form:
 *   `y = (x - mean) / sqrt(var + eps) * scale + B` per channel (axis 1).
 * - Relu(X); Clip(X, min, max) (relu6 = Clip(x, 0, 6); min/max are scalar constants);
 *   HardSigmoid(X) attrs alpha, beta: `max(0, min(1, alpha * x + beta))` (torch: alpha 1/6,
 *   beta 0.5); HardSwish(X): `x * HardSigmoid(x)`; Sigmoid(X); Erf(X).
 *   SiLU is Sigmoid + Mul; GELU (exact, erf form) is `0.5 * x * (1 + erf(x / sqrt 2))` built from
 *   Div, Erf, Add, Mul (ONNX's Gelu op only exists from opset 20).
 * - MaxPool(X) / AveragePool(X) attrs kernel_shape, strides, pads, ceil_mode
 *   (AveragePool: count_include_pad 0); GlobalAveragePool(X): mean over H, W, keeps dims (N,C,1,1).
 * - Add(A, B), Mul(A, B), Div(A, B): element-wise with numpy broadcasting.
 * - Concat(...X) attr axis.
 * - Gemm(A, B, C) with transB = 1: `y = A · Bᵀ + C`, A is [N, in], B is [out, in] (torch Linear).
 * - MatMul(A, B): numpy matmul (batched over leading dims).
 * - LayerNormalization(X, scale, B) attrs axis (-1), epsilon: normalise over the last axis.
 * - Softmax(X) attr axis (-1).
 * - Reshape(X, shape:int64) (0 copies the input dim, -1 infers); Transpose(X) attr perm;
 *   Flatten(X) attr axis (1): [N, ...] -> [N, prod(rest)].
 * - Gather(X, indices:int64) attr axis: take index along axis (scalar index drops the axis).
 * - Shape(X) attrs start, end: int64 vector of X's dims [start, end).
 * - Expand(X, shape:int64): broadcast X to shape.
 */
export type OpType =
  | 'Conv'
  | 'BatchNormalization'
  | 'Relu'
  | 'Clip'
  | 'HardSigmoid'
  | 'HardSwish'
  | 'Sigmoid'
  | 'Erf'
  | 'MaxPool'
  | 'AveragePool'
  | 'GlobalAveragePool'
  | 'Add'
  | 'Mul'
  | 'Div'
  | 'Concat'
  | 'Gemm'
  | 'MatMul'
  | 'LayerNormalization'
  | 'Softmax'
  | 'Reshape'
  | 'Transpose'
  | 'Flatten'
  | 'Gather'
  | 'Shape'
  | 'Expand';

/** One operator application. */
export interface Node {
  /** Unique node name (scoped like torchvision module paths, e.g. "layer1.0.conv1"). */
  name: string;
  op: OpType;
  /** Names of input values, in ONNX order. */
  inputs: string[];
  /** Names of output values (every op here has exactly one). */
  outputs: string[];
  attrs: Record<string, Attr>;
}

/**
 * What an initializer is, for parameter counting (see the module comment):
 * `'param'` learned weight (counted), `'buffer'` BN running statistics (not counted),
 * `'constant'` graph plumbing (not counted).
 */
export type InitializerKind = 'param' | 'buffer' | 'constant';

/** A float tensor stored in the graph. */
export interface FloatInitializer {
  name: string;
  dtype: 'float32';
  kind: InitializerKind;
  dims: number[];
  /** Row-major data, `prod(dims)` elements. */
  data: Float32Array;
}

/** An int64 tensor stored in the graph (shape vectors and indices; always a constant). */
interface Int64Initializer {
  name: string;
  dtype: 'int64';
  kind: 'constant';
  dims: number[];
  data: BigInt64Array;
}

/** Any initializer. */
export type Initializer = FloatInitializer | Int64Initializer;

/** A complete inference graph. */
export interface Graph {
  /** Model name, e.g. "resnet50". */
  name: string;
  /** Graph inputs (float, `[N, 3, H, W]` for every zoo model). */
  inputs: ValueInfo[];
  /** Graph outputs (float logits `[N, 1000]` for every zoo model). */
  outputs: ValueInfo[];
  /** Topologically ordered nodes. */
  nodes: Node[];
  initializers: Initializer[];
  /** Inferred shapes of every intermediate value (not inputs, outputs or initializers). */
  valueInfo: ValueInfo[];
}

/** Element count of a shape with only concrete dims. */
function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Parameters as torchvision counts them: elements of `'param'` initializers only. */
export function countParams(graph: Graph): number {
  let n = 0;
  for (const init of graph.initializers) if (init.kind === 'param') n += numel(init.dims);
  return n;
}
