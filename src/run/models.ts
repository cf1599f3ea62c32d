/** Turns `--model` values into files to load: zoo names are built (cached), paths are checked. */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { getZooEntry } from '../../models/index.js';
import { loadOnnx } from '../analyze/load.js';
import { BenchError } from '../errors.js';
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
  // Decode now so a corrupt or truncated file is a usage error before any measuring, not a failed run.
  if (ext === '.onnx') loadOnnx(spec);
  return {
    name: basename(spec, extname(spec)),
    source: 'file',
    path: spec,
    onnxPath: ext === '.onnx' ? spec : undefined,
    sha256: sha256File(spec),
  };
}
