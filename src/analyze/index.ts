/**
 * Static analysis of an ONNX model: parameters, MACs, FLOPs, weight and activation bytes at
 * concrete input shapes. Cost conventions are documented in cost.ts.
 */
import { nodeCost } from './cost.js';
import { loadOnnx } from './load.js';
import { elemBytes, num, product, tensorDims, toTensorDType } from './onnx.js';
import { inferShapes, resolveInputs } from './shapes.js';
import type { ModelAnalysis, OpCost } from './types.js';

export type { ModelAnalysis,  } from './types.js';
export { loadOnnx,  } from './load.js';
export { parseShapeFlags } from './shape-flag.js';

/** Options of {@link analyzeModel}. */
export interface AnalyzeOptions {
  /** Concrete shapes by input name (as parsed from --shape); symbolic batch dims default to 1. */
  shapes?: Record<string, number[]>;
}

/** Initializer doc_string markers written by the zoo's emitter (see src/graph/ir.ts). */
const NOT_PARAMS = new Set(['buffer', 'constant']);

/**
 * Analyses an ONNX model given as a path or bytes. activationBytes counts each node output once
 * (its write); reading it back roughly doubles real traffic, which we leave to the caller.
 * Constant-node outputs are stored in the file and are not counted as activations.
 */
export function analyzeModel(source: Uint8Array | string, options: AnalyzeOptions = {}): ModelAnalysis {
  const model = loadOnnx(source);
  const inputs = resolveInputs(model, options.shapes);
  const graph = inferShapes(model, inputs);

  let params = 0;
  let excluded = 0;
  let weightBytes = 0;
  for (const t of model.graph.initializer ?? []) {
    const count = product(tensorDims(t));
    weightBytes += count * elemBytes(t.dataType ?? 0);
    if (NOT_PARAMS.has(t.docString ?? '')) excluded += count;
    else params += count;
  }
  const paramsRule =
    excluded > 0
      ? `initializer elements except those marked doc_string "buffer" (batch-norm running mean/var) or "constant" (shape vectors, clip bounds), as torchvision counts parameters; ${excluded} elements excluded`
      : 'all initializer elements (the file marks no buffers, so batch-norm running mean/var and constants stored as initializers are included)';

  const byType = new Map<string, OpCost>();
  const unknown = new Set<string>();
  const unresolved = new Set<string>();
  let activationBytes = 0;
  for (const n of graph.nodes) {
    if (n.opKey !== 'Constant') {
      for (const out of n.outputs)
        if (out?.shape) activationBytes += product(out.shape) * elemBytes(out.elemType);
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
      num(d.dimValue) > 0 ? num(d.dimValue) : null,
    );
    return {
      name: o.name ?? '',
      dtype: toTensorDType(info?.elemType ?? o.type?.tensorType?.elemType ?? 1),
      shape: info?.shape ? [...info.shape] : declared,
    };
  });

  return {
    params,
    paramsRule,
    macs: byOp.reduce((s, o) => s + o.macs, 0),
    intMacs: byOp.reduce((s, o) => s + (o.intMacs ?? 0), 0),
    flops: byOp.reduce((s, o) => s + o.flops, 0),
    weightBytes,
    activationBytes,
    batch: inputs[0]?.shape[0] ?? 1,
    inputs: inputs.map((i) => ({ name: i.name, dtype: toTensorDType(i.elemType), shape: i.shape })),
    outputs,
    byOp,
    unknownOps: [...unknown].sort(),
    unresolvedOps: [...unresolved].sort(),
    opset: model.opset,
  };
}
