/** Turns `--model` values into files to load: zoo names are built (cached), paths are checked. */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { getZooEntry } from '../../models/index.js';
import { loadOnnx, type LoadedOnnx } from '../analyze/load.js';
import { ElemType, int64Value, product, toTensorDType } from '../analyze/onnx.js';
import { storedTensors } from '../analyze/weights.js';
import type { TensorSignature } from '../engines/engine.js';
import { BenchError, isBenchError } from '../core/errors.js';
import type { EngineName, Precision } from '../results/schema.js';
import { zooModelPath } from '../../models/cache.js';
import { ensureZooModel } from '../run/int8-cache.js';

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
  /**
   * What runs and is recorded: a zoo model's requested precision (fp32 when none was given), an ONNX
   * file's own (see {@link onnxPrecision}); a model.json takes the request, which its engine checks.
   */
  precision: Precision;
}

/**
 * Graph inputs of a decoded ONNX model (initializers listed as inputs are not inputs to feed), with
 * their declared element type (types a result cannot record map to the nearest one, see toTensorDType).
 */
export function onnxInputs(model: LoadedOnnx): TensorSignature[] {
  const initNames = new Set((model.graph.initializer ?? []).map((t) => t.name ?? ''));
  return (model.graph.input ?? [])
    .filter((i) => !initNames.has(i.name ?? ''))
    .map((i) => ({
      name: i.name ?? '',
      dtype: toTensorDType(i.type?.tensorType?.elemType ?? ElemType.FLOAT),
      shape: (i.type?.tensorType?.shape?.dim ?? []).map((d) => {
        const value = int64Value(d.dimValue);
        return value > 0 ? value : d.dimParam ? d.dimParam : null;
      }),
    }));
}

/**
 * The precision an ONNX file has: fp16 when a float graph input is float16, or when most float
 * initializer elements are (an fp16 export that keeps fp32 inputs and casts them); fp32 otherwise.
 * onnxruntime runs a file as it is, so this, not --precision, is what a result must record.
 */
export function onnxPrecision(model: LoadedOnnx): Precision {
  const half: number[] = [ElemType.FLOAT16, ElemType.BFLOAT16];
  // float16 and bfloat16 inputs both read as 'float16' (see toTensorDType).
  if (onnxInputs(model).some((i) => i.dtype === 'float16')) return 'fp16';
  let halfElems = 0;
  let fullElems = 0;
  let int8Elems = 0;
  for (const t of storedTensors(model)) {
    const count = product(t.dims);
    if (half.includes(t.elemType)) halfElems += count;
    else if (t.elemType === ElemType.FLOAT) fullElems += count;
    else if (t.elemType === ElemType.INT8 || t.elemType === ElemType.UINT8) int8Elems += count;
  }
  // Quantized files (QDQ, QLinear*, *Integer) keep most weight elements in 8 bits.
  if (int8Elems > halfElems && int8Elems > fullElems) return 'int8';
  return halfElems > fullElems ? 'fp16' : 'fp32';
}

/** Builds (or finds cached) the int8 variant of every zoo model among `o.models`; files are left alone. */
export async function buildInt8ZooModels(o: {
  models: string[];
  seed: number;
  engine: EngineName;
}): Promise<void> {
  if (o.engine !== 'ort') return; // other engines refuse int8 with their own message
  for (const spec of o.models) {
    if (looksLikePath(spec)) continue;
    await ensureZooModel(getZooEntry(spec).name, { precision: 'int8', seed: o.seed });
  }
}

/** True when a --model value names a file rather than a zoo model. */
export function looksLikePath(spec: string): boolean {
  return (
    spec.includes('/') || spec.includes('\\') || ['.onnx', '.json'].includes(extname(spec).toLowerCase())
  );
}

/** sha256 of a file, hex. */
function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Resolves one --model value for an engine; unknown names and missing files are usage errors.
 * `precision` is the one asked for (undefined: not given): zoo models are built at it, while an ONNX
 * file whose own precision differs from a given one is a usage error rather than a mislabelled result.
 */
export function resolveModel(
  spec: string,
  opts: { engine: EngineName; precision: Precision | undefined; seed: number },
): ResolvedModel {
  if (!looksLikePath(spec)) {
    const entry = getZooEntry(spec); // throws E_UNKNOWN_MODEL with close names
    const precision = opts.precision ?? 'fp32';
    const path = zooModelPath(entry.name, { precision, seed: opts.seed });
    return {
      name: entry.name,
      source: 'zoo',
      path: opts.engine === 'tfjs' ? entry.name : path,
      onnxPath: path,
      sha256: sha256File(path),
      // Every zoo builder names its one input "input" (see models/index.ts buildGraph).
      inputs: [{ name: 'input', dtype: 'float32', shape: [...entry.inputShape] }],
      precision,
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
    return fileModel(spec, undefined, opts.precision ?? 'fp32');
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
  const precision = onnxPrecision(model);
  if (opts.precision !== undefined && opts.precision !== precision) {
    throw new BenchError(
      'E_USAGE',
      `--precision ${opts.precision}: --model ${spec} is an ${precision} file, and a file runs as it is`,
      {
        hint:
          opts.precision === 'fp16'
            ? '--precision applies to zoo models; make an fp16 copy with bench models export NAME --precision fp16'
            : '--precision applies to zoo models; drop it to run this file as it is, or give the fp32 original',
      },
    );
  }
  return fileModel(spec, onnxInputs(model), precision);
}

/** A model given as a file: named after it, identified by its hash; `inputs` only for an ONNX file. */
function fileModel(spec: string, inputs: TensorSignature[] | undefined, precision: Precision): ResolvedModel {
  return {
    precision,
    name: basename(spec, extname(spec)),
    source: 'file',
    path: spec,
    onnxPath: inputs ? spec : undefined,
    sha256: sha256File(spec),
    inputs,
  };
}
