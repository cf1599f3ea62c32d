/** What the static analyzer reports for one ONNX model at one set of input shapes. */
import type { TensorDType } from '../results/schema.js';

/** Cost of one operator kind, summed over its nodes. */
export interface OpCost {
  /** ONNX op type, e.g. "Conv". */
  opType: string;
  /** Number of nodes of this type. */
  count: number;
  /** Multiply-accumulates for the analysed batch. */
  macs: number;
  /** Floating-point operations for the analysed batch (2 per MAC plus element-wise work). */
  flops: number;
  /** The part of `macs` done as 8-bit integer products (ConvInteger, QLinearConv, ...); only set when > 0. */
  intMacs?: number;
}

/** Static cost of a model at the shapes given (batch included). */
export interface ModelAnalysis {
  /** Stored tensor elements, initializers and Constant nodes alike (parameters as torchvision counts them where the file marks its buffers; see `paramsRule`). */
  params: number;
  /** How params were counted, in words. */
  paramsRule: string;
  /** Multiply-accumulates per inference at the analysed shapes. */
  macs: number;
  /**
   * The part of `macs` done as 8-bit integer products with int32 accumulation (ConvInteger,
   * MatMulInteger, QLinearConv, QLinearMatMul); 0 for float models. Optional for older producers.
   */
  intMacs?: number;
  /** FLOPs per inference at the analysed shapes. */
  flops: number;
  /** Bytes of all stored tensors (initializers and Constant-node values) at their stored precision. */
  weightBytes: number;
  /** What weightBytes counts, in words (optional for older producers). */
  weightsRule?: string;
  /**
   * Bytes of every node output tensor (intermediates and outputs), each counted once: its write; the
   * read back is not added. In QDQ models, tensors that fusion removes are left out (see qdq.ts).
   */
  activationBytes: number;
  /**
   * The most of those bytes alive at once, nodes run in file order, graph inputs included (see
   * analyze/index.ts peakLiveBytes); what the run's memory check uses. Optional for older producers.
   */
  peakActivationBytes?: number;
  /** Batch the figures are for (see batchRule: axis 0 of the first input with a symbolic batch). */
  batch: number;
  /** Where `batch` was read, in words (optional for older producers). */
  batchRule?: string;
  /** Inputs with the concrete shapes used. */
  inputs: { name: string; dtype: TensorDType; shape: number[] }[];
  /** Outputs with inferred shapes (null where unknown). */
  outputs: { name: string; dtype: TensorDType; shape: (number | null)[] }[];
  /** Cost per op type, biggest first. */
  byOp: OpCost[];
  /** Op types whose cost the analyzer does not know: reported, never counted as zero silently. */
  unknownOps: string[];
  /**
   * Known op types with at least one node whose shapes could not be inferred (usually downstream
   * of an unknown op), so that node's cost is missing too. Optional for older producers.
   */
  unresolvedOps?: string[];
  /** Side files holding external data, as the model names them; absent or empty when none. */
  externalFiles?: string[];
  /** Opset version of the default domain. */
  opset: number;
}
