/**
 * Which dimension the analyzer treats as the batch, so per-image figures divide by the right number in
 * models with several inputs (an image plus a size vector) or NHWC layout (TensorFlow exports).
 */
import type { LoadedOnnx } from './load.js';
import { int64Value } from './onnx.js';
import type { ResolvedInput } from './shapes.js';

/** The batch the figures are for and where it was read. */
export interface BatchSource {
  batch: number;
  /** The input it was read from (undefined for a model without inputs). */
  input: string | undefined;
  /** Always 0: NCHW and NHWC both put the batch first; said so rather than assumed silently. */
  axis: 0;
  /** In words, for the inspect output. */
  rule: string;
}

/**
 * The batch: axis 0 of the first input whose axis 0 the file leaves symbolic (the dimension a runtime
 * batches along), else axis 0 of the first input of rank >= 1; 1 for a model without such inputs.
 */
export function batchSource(model: LoadedOnnx, inputs: readonly ResolvedInput[]): BatchSource {
  const symbolic = (name: string): boolean => {
    const declared = (model.graph.input ?? []).find((i) => i.name === name);
    const d0 = declared?.type?.tensorType?.shape?.dim?.[0];
    return d0 !== undefined && d0 !== null && !(int64Value(d0.dimValue) > 0);
  };
  const ranked = inputs.filter((i) => i.shape.length > 0);
  const pick = ranked.find((i) => symbolic(i.name));
  const chosen = pick ?? ranked[0];
  if (!chosen)
    return { batch: 1, input: undefined, axis: 0, rule: 'no input with a batch dimension: batch 1' };
  const why = pick
    ? 'the first input with a symbolic first dimension'
    : 'no input has a symbolic first dimension, so the first input';
  return {
    batch: chosen.shape[0] ?? 1,
    input: chosen.name,
    axis: 0,
    rule: `axis 0 of input '${chosen.name}' (${why})`,
  };
}
