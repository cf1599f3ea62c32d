/** Turns `--model` values into files to load: zoo names are built (cached), paths are checked. */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { getZooEntry } from '../../models/index.js';
import { loadOnnx, type LoadedOnnx } from '../analyze/load.js';
import { num } from '../analyze/onnx.js';
import type { TensorSignature } from '../engines/engine.js';
import { BenchError, isBenchError } from '../errors.js';
import type { EngineName, Precision } from '../results/schema.js';
import { zooModelPath } from '../zoo/cache.js';

/** A model ready to hand to an engine. */
export interface ResolvedModel {
  /** Zoo name, or the file name without extension. */
  name: string;
  source: 'zoo' | 'file';
  /** File the engine loads (for tfjs zoo models: the zoo name). */
  path: string;
  /** The .onnx file the analyzer reads, when there is one. */
  onnxPath: string | undefined;
  sha256: string;
  /**
   * The model's inputs as declared in its ONNX graph (zoo: its builder's), so --shape and --batch can be
   * checked for every model before anything is measured; undefined for a TensorFlow.js model.json.
   */
  inputs: TensorSignature[] | undefined;
}

/** Graph inputs of a decoded ONNX model (initializers listed as inputs are not inputs to feed). */
export function onnxInputs(model: LoadedOnnx): TensorSignature[] {
  const initNames = new Set((model.graph.initializer ?? []).map((t) => t.name ?? ''));
  return (model.graph.input ?? [])
    .filter((i) => !initNames.has(i.name ?? ''))
    .map((i) => ({
      name: i.name ?? '',
      // Only names and shapes are checked up front; the engine reports the real type when it loads.
      dtype: 'float32' as const,
      shape: (i.type?.tensorType?.shape?.dim ?? []).map((d) => {
        const value = num(d.dimValue);
        return value > 0 ? value : d.dimParam ? d.dimParam : null;
      }),
    }));
}

/** True when a --model value names a file rather than a zoo model. */
export function looksLikePath(spec: string): boolean {
  return (
    spec.includes('/') || spec.includes('\\') || ['.onnx', '.json'].includes(extname(spec).toLowerCase())
  );
}

/** sha256 of a file, hex. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Splits repeated / comma-separated --model values. */
export function splitModelSpecs(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** Resolves one --model value for an engine; unknown names and missing files are usage errors. */
export function resolveModel(
  spec: string,
  opts: { engine: EngineName; precision: Precision; seed: number },
): ResolvedModel {
  if (!looksLikePath(spec)) {
    const entry = getZooEntry(spec); // throws E_UNKNOWN_MODEL with close names
    const path = zooModelPath(entry.name, { precision: opts.precision, seed: opts.seed });
    return {
      name: entry.name,
      source: 'zoo',
      path: opts.engine === 'tfjs' ? entry.name : path,
      onnxPath: path,
      sha256: sha256File(path),
      // Every zoo builder names its one input "input" (see models/index.ts buildGraph).
      inputs: [{ name: 'input', dtype: 'float32', shape: [...entry.inputShape] }],
    };
  }
  let size: number;
  try {
    size = statSync(spec).size;
  } catch {
    throw new BenchError('E_FILE_NOT_FOUND', `--model ${spec}: no such file`, {
      hint: 'give a zoo name (bench models lists them) or the path of an .onnx file',
    });
  }
  if (size === 0) throw new BenchError('E_FILE_CORRUPT', `--model ${spec}: the file is empty`);
  const ext = extname(spec).toLowerCase();
  if (ext === '.json' && opts.engine !== 'tfjs') {
    throw new BenchError('E_USAGE', `--model ${spec}: a model.json is a TensorFlow.js model`, {
      hint: 'add --engine tfjs',
    });
  }
  if (ext === '.onnx' && opts.engine === 'tfjs') {
    throw new BenchError('E_USAGE', `--model ${spec}: the tfjs engine cannot load .onnx files`, {
      hint: 'use --engine ort for ONNX files, or a zoo name with --engine tfjs',
    });
  }
  if (opts.engine === 'tfjs') {
    if (ext !== '.json') {
      throw new BenchError('E_USAGE', `--model ${spec}: the tfjs engine loads a TensorFlow.js model.json`, {
        hint: 'give the path of a model.json, a zoo name (bench models lists them), or --engine ort for ONNX',
      });
    }
    return fileModel(spec, undefined);
  }
  // onnxruntime reads any file name, so decode every file now: a corrupt, truncated or non-ONNX file
  // (say /etc/passwd) is a usage error before any measuring, not a failed run after minutes of others.
  let model: LoadedOnnx;
  try {
    model = loadOnnx(spec);
  } catch (e) {
    if (!isBenchError(e) || e.code !== 'E_FILE_CORRUPT') throw e;
    // Without the .onnx extension the likelier mistake is the wrong file, not a damaged model.
    const hint =
      ext === '.onnx'
        ? e.hint
        : 'give a zoo name (bench models lists them), an .onnx file, or a model.json with --engine tfjs';
    throw new BenchError('E_FILE_CORRUPT', `--model ${e.message}`, { ...(hint ? { hint } : {}), cause: e });
  }
  return fileModel(spec, onnxInputs(model));
}

/** A model given as a file: named after it, identified by its hash; `inputs` only for an ONNX file. */
function fileModel(spec: string, inputs: TensorSignature[] | undefined): ResolvedModel {
  return {
    name: basename(spec, extname(spec)),
    source: 'file',
    path: spec,
    onnxPath: inputs ? spec : undefined,
    sha256: sha256File(spec),
    inputs,
  };
}
