/**
 * Static analysis of an ONNX model: parameters, MACs, FLOPs, weight and activation bytes at
 * concrete input shapes. Cost conventions are documented in cost.ts.
 */
import { batchSource } from './batch.js';
import { nodeCost } from './cost.js';
import { loadOnnx } from './load.js';
import { elemBytes, int64Value, product, toTensorDType } from './onnx.js';
import { inferShapes, resolveInputs } from './shapes.js';
import type { ModelAnalysis, OpCost } from './types.js';
import { fusedAway, qdqIntegerNodes } from './qdq.js';
import { countWeights } from './weights.js';

export type { ModelAnalysis } from './types.js';
export { loadOnnx } from './load.js';
export { parseShapeFlags } from './shape-flag.js';

/** Options of {@link analyzeModel}. */
export interface AnalyzeOptions {
  /** Concrete shapes by input name (as parsed from --shape); symbolic batch dims default to 1. */
  shapes?: Record<string, number[]>;
}

/**
 * Analyses an ONNX model given as a path or bytes. activationBytes counts each node output once
 * (its write); reading it back roughly doubles real traffic, which we leave to the caller.
 * Constant-node outputs are stored in the file and are not counted as activations.
 */
export function analyzeModel(source: Uint8Array | string, options: AnalyzeOptions = {}): ModelAnalysis {
  const model = loadOnnx(source);
  // Before shape inference, so a malformed stored tensor is reported as such, not as a shape error.
  const weights = countWeights(model);
  const inputs = resolveInputs(model, options.shapes);
  const graph = inferShapes(model, inputs);

  const byType = new Map<string, OpCost>();
  const unknown = new Set<string>();
  const unresolved = new Set<string>();
  let activationBytes = 0;
  const qdq = qdqIntegerNodes(graph.nodes, model.label);
  const batch = batchSource(model, inputs);
  const fused = fusedAway(graph.nodes, qdq);
  for (const n of graph.nodes) {
    if (n.opKey !== 'Constant') {
      n.outputs.forEach((out, i) => {
        if (out?.shape && !fused.has(n.node.output?.[i] ?? ''))
          activationBytes += product(out.shape) * elemBytes(out.elemType);
      });
    }
    const entry = byType.get(n.opKey) ?? { opType: n.opKey, count: 0, macs: 0, flops: 0 };
    entry.count++;
    byType.set(n.opKey, entry);
    if (!n.known) {
      unknown.add(n.opKey);
      continue;
    }
    const cost = nodeCost(n);
    if (!cost) {
      unresolved.add(n.opKey);
      continue;
    }
    if (qdq.has(n)) cost.intMacs = cost.macs;
    entry.macs += cost.macs;
    entry.flops += cost.flops;
    if (cost.intMacs) entry.intMacs = (entry.intMacs ?? 0) + cost.intMacs;
  }
  const byOp = [...byType.values()].sort(
    (a, b) => b.flops - a.flops || b.macs - a.macs || a.opType.localeCompare(b.opType),
  );

  const outputs = (model.graph.output ?? []).map((o) => {
    const info = graph.values.get(o.name ?? '');
    const declared = (o.type?.tensorType?.shape?.dim ?? []).map((d) =>
      int64Value(d.dimValue) > 0 ? int64Value(d.dimValue) : null,
    );
    return {
      name: o.name ?? '',
      dtype: toTensorDType(info?.elemType ?? o.type?.tensorType?.elemType ?? 1),
      shape: info?.shape ? [...info.shape] : declared,
    };
  });

  return {
    params: weights.params,
    paramsRule: weights.paramsRule,
    macs: byOp.reduce((s, o) => s + o.macs, 0),
    intMacs: byOp.reduce((s, o) => s + (o.intMacs ?? 0), 0),
    flops: byOp.reduce((s, o) => s + o.flops, 0),
    weightBytes: weights.weightBytes,
    weightsRule: weights.weightsRule,
    activationBytes,
    batch: batch.batch,
    batchRule: batch.rule,
    inputs: inputs.map((i) => ({ name: i.name, dtype: toTensorDType(i.elemType), shape: i.shape })),
    outputs,
    byOp,
    unknownOps: [...unknown].sort(),
    unresolvedOps: [...unresolved].sort(),
    ...(model.externalFiles && model.externalFiles.length > 0 ? { externalFiles: model.externalFiles } : {}),
    opset: model.opset,
  };
}
