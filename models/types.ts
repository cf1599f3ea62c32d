/** Types shared by the zoo's architecture files and the registry (models/index.ts). */
import type { GraphBuilder, Value } from '../src/graph/builder.js';

/** One zoo model as listed by `bench models`. */
export interface ZooEntry {
  /** Zoo name, e.g. 'resnet50' (torchvision's function name). */
  name: string;
  /** Architecture family, e.g. 'resnet'. */
  family: string;
  /** One line. */
  description: string;
  /** Citation of the architecture's paper. */
  paper: string;
  /** NCHW input with symbolic batch; 224x224 except the tiny test model (32x32). */
  inputShape: ['N', 3, number, number];
  /** torchvision's published figures for the real model (params exact, GMACs per image at 224). */
  expected?: { params: number; gmacs: number };
}

/** An entry plus how to build it: `build` receives a builder with the input declared and returns the logits. */
export interface ZooModelDef {
  entry: ZooEntry;
  build(b: GraphBuilder, input: Value): Value;
}
