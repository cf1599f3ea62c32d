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
  const peakActivationBytes = peakLiveBytes(model, graph, inputs, fused);
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
    peakActivationBytes,
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

/**
 * The most activation bytes alive at once when the nodes run in file order (ONNX files list them in a
 * topological order): the graph inputs, then each node output from its node until its last reader
 * (graph outputs until the end). Subgraphs (Loop bodies) and an engine's scratch buffers are not
 * counted; the run's memory check adds a safety factor for those (run/memory.ts).
 */
function peakLiveBytes(
  model: ReturnType<typeof loadOnnx>,
  graph: ReturnType<typeof inferShapes>,
  inputs: ReturnType<typeof resolveInputs>,
  fused: ReadonlySet<string>,
): number {
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const name of n.node.input ?? []) lastUse.set(name, i);
  });
  for (const o of model.graph.output ?? []) lastUse.set(o.name ?? '', Infinity);
  const sizes = new Map<string, number>();
  let live = 0;
  for (const i of inputs) {
    const bytes = product(i.shape) * elemBytes(i.elemType);
    sizes.set(i.name, bytes);
    live += bytes;
  }
  let peak = live;
  graph.nodes.forEach((n, i) => {
    if (n.opKey !== 'Constant') {
      n.outputs.forEach((out, k) => {
        const name = n.node.output?.[k] ?? '';
        if (!out?.shape || fused.has(name) || name === '') return;
        const bytes = product(out.shape) * elemBytes(out.elemType);
        sizes.set(name, bytes);
        live += bytes;
      });
    }
    peak = Math.max(peak, live);
    // Free what this node read for the last time, and outputs nobody reads.
    for (const name of [...(n.node.input ?? []), ...(n.node.output ?? [])]) {
      const size = sizes.get(name);
      if (size !== undefined && (lastUse.get(name) ?? -1) <= i) {
        live -= size;
        sizes.delete(name);
      }
    }
  });
  return peak;
}
