/**
 * The model zoo: torchvision architectures rebuilt from source with seeded random weights (no
 * downloads), plus a tiny CNN for fast tests. One family per file; this file is the registry.
 */
import { GraphBuilder } from '../src/graph/builder.js';
import type { Graph } from '../src/graph/ir.js';
import { emitOnnx } from '../src/graph/onnx-emit.js';
import { BenchError } from '../src/core/errors.js';
import { nearestNames } from '../src/core/suggest.js';
import { BUILDER_VERSION } from './version.js';
import { convnextModels } from './convnext.js';
import { efficientnetModels } from './efficientnet.js';
import { mobilenetModels } from './mobilenet.js';
import { resnetModels } from './resnet.js';
import { squeezenetModels } from './squeezenet.js';
import { tinyModels } from './tiny.js';
import type { ZooEntry, ZooModelDef } from './types.js';
import { vitModels } from './vit.js';

export type { ZooEntry } from './types.js';

const defs: ZooModelDef[] = [
  ...tinyModels,
  ...resnetModels,
  ...mobilenetModels,
  ...efficientnetModels,
  ...squeezenetModels,
  ...convnextModels,
  ...vitModels,
];

/** Every zoo model, tiny test model first, then by family. */
export function listZoo(): ZooEntry[] {
  return defs.map((d) => d.entry);
}

function findDef(name: string): ZooModelDef {
  const def = defs.find((d) => d.entry.name === name);
  if (def) return def;
  const names = defs.map((d) => d.entry.name);
  const near = nearestNames(name, names);
  // No close name: list the zoo rather than guess an unrelated model (nope -> tiny_cnn).
  throw new BenchError('E_UNKNOWN_MODEL', `unknown model '${name}'`, {
    hint:
      near.length > 0
        ? `did you mean ${near.join(' or ')}? (bench models lists the zoo)`
        : `zoo models: ${names.join(', ')} (bench models describes them), or give an .onnx path`,
  });
}

/** The zoo entry called `name`; unknown names throw E_UNKNOWN_MODEL suggesting close names. */
export function getZooEntry(name: string): ZooEntry {
  return findDef(name).entry;
}

/** Builds the precision-independent graph IR of a zoo model (weights from `seed`, default 0). */
export function buildGraph(name: string, opts: { seed?: number } = {}): Graph {
  const def = findDef(name);
  const b = new GraphBuilder(name, opts.seed ?? 0);
  const input = b.input('input', [...def.entry.inputShape]);
  return b.finish(def.build(b, input), 'logits');
}

/**
 * ONNX bytes of a zoo model: opset 17, input "input" [N,3,H,W], output "logits" [N,1000], both
 * float16 in fp16 builds. Same name + precision + seed gives byte-identical output.
 */
export function buildOnnx(name: string, opts: { precision: 'fp32' | 'fp16'; seed?: number }): Uint8Array {
  const seed = opts.seed ?? 0;
  const graph = buildGraph(name, { seed });
  return emitOnnx(graph, {
    precision: opts.precision,
    producerVersion: BUILDER_VERSION,
    docString: `h100e zoo model ${name}: torchvision architecture with seeded random weights (seed ${seed}), not trained`,
    consumeGraph: true,
  });
}
