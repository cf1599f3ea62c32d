/**
 * Parameters and weight bytes wherever a model stores them: graph initializers (what our emitter and
 * torch.onnx write) and `Constant` nodes (what several other exporters write for every weight).
 * Both sources go through one rule, so moving a tensor from one to the other changes no figure.
 */
import { BenchError } from '../core/errors.js';
import type { LoadedOnnx } from './load.js';
import {
  attr,
  ElemType,
  elemBytes,
  isExternal,
  product,
  tensorDims,
  type OnnxNode,
  type OnnxTensor,
} from './onnx.js';

/** A tensor whose values are stored in the model file (or its external data), not computed. */
export interface StoredTensor {
  name: string;
  elemType: number;
  dims: number[];
  /** The emitter's marker ("buffer", "constant" or empty; see src/graph/ir.ts). */
  docString: string;
  source: 'initializer' | 'Constant';
}

/** Params and weight bytes of a model, with the rule used in words. */
export interface WeightCount {
  params: number;
  /** Elements left out of params by the rule. */
  excluded: number;
  /** Bytes of every stored tensor at its stored precision. */
  weightBytes: number;
  /** How many stored tensors came from Constant nodes (0 for files that use initializers only). */
  constantTensors: number;
  paramsRule: string;
  weightsRule: string;
}

/** Initializer doc_string markers written by the zoo's emitter (see src/graph/ir.ts). */
const NOT_PARAMS = new Set(['buffer', 'constant']);

/** Integer types wider than 8 bits hold shape vectors, axes and indices, never learned weights. */
const PLUMBING_TYPES = new Set<number>([
  ElemType.INT64,
  ElemType.INT32,
  ElemType.UINT64,
  ElemType.UINT32,
  ElemType.INT16,
  ElemType.UINT16,
  ElemType.BOOL,
  ElemType.STRING,
]);

/** Element count of each typed-data field, to check it against the dims. */
function typedLength(t: OnnxTensor): number | undefined {
  const fields = [t.floatData, t.int32Data, t.int64Data, t.doubleData, t.uint64Data, t.stringData];
  const used = fields.find((f) => (f?.length ?? 0) > 0);
  return used?.length;
}

/**
 * Checks that a tensor's stored data matches its dims and type, so a malformed Constant is a
 * one-line error rather than a wrong count or a crash inside onnxruntime later.
 */
function checkTensor(t: OnnxTensor, where: string, label: string): void {
  const fail = (why: string): never => {
    throw new BenchError('E_FILE_CORRUPT', `${label}: ${where} holds a malformed tensor: ${why}`, {
      hint: 'the file is damaged or its exporter wrote an invalid tensor; export the model again',
    });
  };
  const dims = tensorDims(t);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) fail(`dims [${dims.join(',')}] are not all >= 0`);
  const type = t.dataType ?? 0;
  if (type === 0 || (elemBytes(type) === 0 && type !== ElemType.STRING)) fail(`unknown data type ${type}`);
  if (isExternal(t)) return; // sizes checked against the side file by load.ts
  const count = product(dims);
  const raw = t.rawData?.length ?? 0;
  if (raw > 0) {
    if (raw !== count * elemBytes(type))
      fail(`raw_data has ${raw} bytes, dims [${dims.join(',')}] need ${count * elemBytes(type)}`);
    return;
  }
  const typed = typedLength(t);
  // float16/int8-style types pack into int32_data one element per entry; complex types use two.
  const perElement = type === ElemType.COMPLEX64 || type === ElemType.COMPLEX128 ? 2 : 1;
  if (typed !== undefined && typed !== count * perElement)
    fail(`it holds ${typed} values, dims [${dims.join(',')}] need ${count * perElement}`);
  if (typed === undefined && count > 0) fail(`no data for ${count} elements`);
}

/** The stored tensor a Constant node outputs, or undefined for string and sparse values. */
function constantTensor(node: OnnxNode): Omit<StoredTensor, 'source'> | undefined {
  const name = node.output?.[0] ?? '';
  const t = attr(node, 'value')?.t;
  if (t) return { name, elemType: t.dataType ?? 0, dims: tensorDims(t), docString: t.docString ?? '' };
  if (attr(node, 'value_float')) return { name, elemType: ElemType.FLOAT, dims: [], docString: '' };
  if (attr(node, 'value_int')) return { name, elemType: ElemType.INT64, dims: [], docString: '' };
  const fs = attr(node, 'value_floats');
  if (fs) return { name, elemType: ElemType.FLOAT, dims: [fs.floats?.length ?? 0], docString: '' };
  const is = attr(node, 'value_ints');
  if (is) return { name, elemType: ElemType.INT64, dims: [is.ints?.length ?? 0], docString: '' };
  return undefined;
}

/** Every tensor stored in the top-level graph: initializers, then Constant-node values in node order. */
export function storedTensors(model: LoadedOnnx): StoredTensor[] {
  const out: StoredTensor[] = [];
  for (const t of model.graph.initializer ?? []) {
    checkTensor(t, `initializer '${t.name ?? ''}'`, model.label);
    out.push({
      name: t.name ?? '',
      elemType: t.dataType ?? 0,
      dims: tensorDims(t),
      docString: t.docString ?? '',
      source: 'initializer',
    });
  }
  for (const node of model.graph.node ?? []) {
    if ((node.opType ?? '') !== 'Constant' || (node.domain ?? '') !== '') continue;
    const t = attr(node, 'value')?.t;
    if (t) checkTensor(t, `Constant node '${node.name || (node.output?.[0] ?? '')}'`, model.label);
    const stored = constantTensor(node);
    if (stored) out.push({ ...stored, source: 'Constant' });
  }
  return out;
}

/**
 * Counts params and weight bytes over initializers and Constant nodes alike:
 * - weight bytes: every stored tensor at its stored precision (what inference reads from memory);
 * - params, in a file that marks its tensors (our emitter): every element not marked "buffer" or
 *   "constant", as torchvision counts; in an unmarked file: float, int8 and uint8 tensors with more than
 *   one element, so shape vectors, axes and scalars stay out while batch-norm statistics, which
 *   the file cannot tell from weights, stay in.
 */
export function countWeights(model: LoadedOnnx): WeightCount {
  const tensors = storedTensors(model);
  const marked = tensors.some((t) => NOT_PARAMS.has(t.docString));
  let params = 0;
  let excluded = 0;
  let weightBytes = 0;
  let constantTensors = 0;
  for (const t of tensors) {
    const count = product(t.dims);
    weightBytes += count * elemBytes(t.elemType);
    if (t.source === 'Constant') constantTensors++;
    const isParam = marked ? !NOT_PARAMS.has(t.docString) : !PLUMBING_TYPES.has(t.elemType) && count > 1;
    if (isParam) params += count;
    else excluded += count;
  }
  const where = constantTensors > 0 ? 'initializers and Constant-node tensors' : 'initializers';
  const paramsRule = marked
    ? `elements of ${where} except those marked doc_string "buffer" (batch-norm running mean/var) or "constant" (shape vectors, clip bounds), as torchvision counts parameters; ${excluded} elements excluded`
    : `float, int8 and uint8 elements of ${where}, scalars and integer shape/index tensors excluded (${excluded} elements); the file marks no buffers, so batch-norm running mean/var are included`;
  const weightsRule = `${where} at stored precision${
    constantTensors > 0 ? `, ${constantTensors} tensors from Constant nodes` : ''
  }`;
  return { params, excluded, weightBytes, constantTensors, paramsRule, weightsRule };
}
