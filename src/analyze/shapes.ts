/**
 * Shape inference for concrete input shapes: resolves symbolic input dims (batch defaults to 1),
 * then walks the nodes in order applying the per-op rules of shape-rules.ts.
 */
import { BenchError } from '../core/errors.js';
import type { LoadedOnnx } from './load.js';
import { ElemType, int64Value, tensorDims, tensorValues, type OnnxNode, type OnnxValueInfo } from './onnx.js';
import { UNNAMED_INPUT } from './shape-flag.js';
import { ShapeMismatch, shapeRules, Unresolved, type ValueInfo } from './shape-rules.js';

/** A graph input with the concrete shape the analysis uses. */
export interface ResolvedInput {
  name: string;
  elemType: number;
  shape: number[];
  /** True when the shape came from --shape rather than the file's declaration. */
  fromFlag?: boolean;
}

/** One node with what is known of its inputs and outputs. */
export interface NodeShapes {
  node: OnnxNode;
  /** "OpType" for the default domain, "domain::OpType" otherwise. */
  opKey: string;
  inputs: (ValueInfo | undefined)[];
  outputs: (ValueInfo | undefined)[];
  /** False when the analyzer has no rule for this op. */
  known: boolean;
  /**
   * Set when the op's rule found its inputs contradictory and those inputs rest on unverified
   * shapes (see ValueInfo.unverified): the node's cost is then unknown rather than the run failing.
   */
  mismatch?: string;
}

/** Every tensor's inferred info and every node's view of it. */
export interface InferredGraph {
  inputs: ResolvedInput[];
  values: Map<string, ValueInfo>;
  nodes: NodeShapes[];
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

/** The op's key: plain type for the default domain, `domain::type` for custom ones. */
function opKeyOf(node: OnnxNode): string {
  const domain = node.domain ?? '';
  return DEFAULT_DOMAINS.has(domain) ? (node.opType ?? '') : `${domain}::${node.opType ?? ''}`;
}

function declaredDims(v: OnnxValueInfo): (number | string)[] | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => {
    const value = int64Value(d.dimValue);
    if (value > 0) return value;
    return d.dimParam || '?';
  });
}

function shapeFlag(name: string, dims: readonly (number | string)[]): string {
  return `--shape ${name}:${dims.map((d) => (typeof d === 'number' ? d : d === dims[0] ? 1 : 'D')).join('x')}`;
}

/** Concrete shapes for every real graph input (initializers listed as inputs are skipped). */
export function resolveInputs(model: LoadedOnnx, shapes: Record<string, number[]> = {}): ResolvedInput[] {
  const initNames = new Set((model.graph.initializer ?? []).map((t) => t.name ?? ''));
  const graphInputs = (model.graph.input ?? []).filter((i) => !initNames.has(i.name ?? ''));
  const names = graphInputs.map((i) => i.name ?? '');
  const given = { ...shapes };
  if (UNNAMED_INPUT in given) {
    if (names.length !== 1) {
      throw new BenchError(
        'E_USAGE',
        `--shape without an input name is ambiguous: ${model.label} has inputs ${names.join(', ')}`,
        {
          hint: `name the input, e.g. --shape ${names[0] ?? 'input'}:1x3x224x224`,
        },
      );
    }
    given[names[0] ?? ''] = given[UNNAMED_INPUT] ?? [];
    delete given[UNNAMED_INPUT];
  }
  for (const name of Object.keys(given)) {
    if (!names.includes(name)) {
      throw new BenchError(
        'E_USAGE',
        `--shape names input '${name}', but ${model.label} has inputs: ${names.join(', ')}`,
        {
          hint: `use one of: ${names.map((n) => `--shape ${n}:...`).join(', ')}`,
        },
      );
    }
  }
  return graphInputs.map((input) => {
    const name = input.name ?? '';
    const elemType = input.type?.tensorType?.elemType ?? ElemType.FLOAT;
    const declared = declaredDims(input);
    const user = given[name];
    if (user) {
      if (declared && declared.length !== user.length) {
        throw new BenchError(
          'E_BAD_INPUT',
          `--shape ${name}:${user.join('x')} has rank ${user.length}, but input '${name}' of ${model.label} has rank ${declared.length} [${declared.join(',')}]`,
          { hint: `give ${declared.length} dimensions, e.g. ${shapeFlag(name, declared)}` },
        );
      }
      declared?.forEach((d, axis) => {
        if (typeof d === 'number' && d !== user[axis]) {
          throw new BenchError(
            'E_BAD_INPUT',
            `--shape ${name}:${user.join('x')} sets axis ${axis} to ${user[axis] ?? '?'}, but input '${name}' of ${model.label} fixes it at ${d}`,
            { hint: `use ${shapeFlag(name, declared)}` },
          );
        }
      });
      return { name, elemType, shape: [...user], fromFlag: true };
    }
    if (!declared) {
      throw new BenchError('E_BAD_INPUT', `input '${name}' of ${model.label} declares no shape`, {
        hint: `give it with --shape ${name}:1x3x224x224 (your real dimensions)`,
      });
    }
    const shape = declared.map((d, axis) => {
      if (typeof d === 'number') return d;
      if (axis === 0) return 1; // the batch dimension
      throw new BenchError(
        'E_BAD_INPUT',
        `input '${name}' of ${model.label} has symbolic dimension '${d}' at axis ${axis}`,
        {
          hint: `give a concrete shape, e.g. ${shapeFlag(name, declared)}`,
        },
      );
    });
    return { name, elemType, shape };
  });
}

function fromValueInfo(v: OnnxValueInfo | undefined): ValueInfo | undefined {
  if (!v) return undefined;
  const dims = declaredDims(v);
  const elemType = v.type?.tensorType?.elemType ?? ElemType.FLOAT;
  if (!dims || dims.some((d) => typeof d !== 'number')) return undefined;
  return { elemType, shape: dims as number[], unverified: true };
}

function mismatchHint(inputs: ResolvedInput[]): string {
  return inputs.some((i) => i.fromFlag)
    ? 'check the --shape values against what the model expects'
    : "these are the model's own declared input shapes, so the file contradicts itself or the analyzer misreads this op; please report it with the model";
}

/** Infers every tensor's shape for the given inputs; throws E_BAD_INPUT when the shapes contradict an op. */
export function inferShapes(model: LoadedOnnx, inputs: ResolvedInput[]): InferredGraph {
  const values = new Map<string, ValueInfo>();
  for (const t of model.graph.initializer ?? []) {
    const shape = tensorDims(t);
    values.set(t.name ?? '', {
      elemType: t.dataType ?? ElemType.FLOAT,
      shape,
      value: tensorValues(t, model.baseDir),
    });
  }
  for (const i of inputs) values.set(i.name, { elemType: i.elemType, shape: i.shape });
  // Declared shapes (from an exporter's own inference) stand in for ops the analyzer cannot follow.
  const declared = new Map<string, OnnxValueInfo>();
  for (const v of [...(model.graph.valueInfo ?? []), ...(model.graph.output ?? [])])
    declared.set(v.name ?? '', v);

  const nodes: NodeShapes[] = [];
  for (const node of model.graph.node ?? []) {
    const opKey = opKeyOf(node);
    const rule = shapeRules[opKey];
    const inputInfos = (node.input ?? []).map((n) => (n === '' ? undefined : values.get(n)));
    let outputs: (ValueInfo | undefined)[] = [];
    let mismatch: string | undefined;
    const unverified = inputInfos.some((v) => v?.unverified);
    if (rule) {
      try {
        outputs = rule({ node, inputs: inputInfos, opset: model.opset, baseDir: model.baseDir });
      } catch (e) {
        if (e instanceof ShapeMismatch && unverified) {
          mismatch = e.message;
        } else if (e instanceof ShapeMismatch) {
          const at = inputs.map((i) => `${i.name}:${i.shape.join('x')}`).join(' ');
          throw new BenchError(
            'E_BAD_INPUT',
            `${model.label}: node '${node.name || opKey}' (${opKey}): ${e.message} at input shape ${at}`,
            { hint: mismatchHint(inputs) },
          );
        } else if (!(e instanceof Unresolved)) {
          throw e;
        }
        outputs = [];
      }
    }
    // Shapes computed from unverified ones stay unverified.
    if (unverified) outputs = outputs.map((o) => (o ? { ...o, unverified: true } : o));
    const outNames = node.output ?? [];
    const resolved = outNames.map((name, i) => outputs[i] ?? fromValueInfo(declared.get(name)));
    outNames.forEach((name, i) => {
      const info = resolved[i];
      if (name !== '' && info) values.set(name, info);
    });
    nodes.push({
      node,
      opKey,
      inputs: inputInfos,
      outputs: resolved,
      known: rule !== undefined,
      ...(mismatch !== undefined ? { mismatch } : {}),
    });
  }
  return { inputs, values, nodes };
}
