/**
 * Loads a user's TensorFlow.js model.json (graph-model or layers-model format) and its weight
 * shards straight from disk. tf.io.fileSystem exists only in tfjs-node, so this is a small IOHandler
 * of our own: it reads files, never the network, and names the file that is wrong when one is.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BenchError, errorMessage } from '../core/errors.js';
import type { TensorDType } from '../results/schema.js';
import type { TensorSignature } from './engine.js';
import type { TfjsRunnable } from './tfjs-graph.js';

/** The two formats tfjs saves. */
export type TfjsModelFormat = 'graph-model' | 'layers-model';

/** A model.json parsed and checked, with its weights read. */
interface TfjsArtifacts {
  format: TfjsModelFormat;
  artifacts: tf.io.ModelArtifacts;
}

const HINT =
  'give the model.json written by tensorflowjs_converter or model.save(), with its .bin shards beside it';

/** Reads and validates `path` and every weight shard it lists (relative to its folder). */
function readTfjsArtifacts(path: string): TfjsArtifacts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new BenchError('E_FILE_NOT_FOUND', `--model ${path}: no such file`, { hint: HINT });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BenchError('E_FILE_CORRUPT', `--model ${path} is not valid JSON (${errorMessage(e)})`, {
      hint: HINT,
    });
  }
  const model = json as Partial<tf.io.ModelJSON> & { format?: string };
  if (
    typeof json !== 'object' ||
    json === null ||
    typeof model.modelTopology !== 'object' ||
    model.modelTopology === null
  ) {
    throw new BenchError(
      'E_BAD_INPUT',
      `--model ${path} is not a TensorFlow.js model.json (no modelTopology)`,
      { hint: HINT },
    );
  }
  const format = detectFormat(model);
  if (!format) {
    throw new BenchError(
      'E_BAD_INPUT',
      `--model ${path}: modelTopology is neither a tfjs graph model nor a layers model`,
      { hint: HINT },
    );
  }
  if (!Array.isArray(model.weightsManifest)) {
    throw new BenchError(
      'E_BAD_INPUT',
      `--model ${path} has no weightsManifest, so its weights cannot be found`,
      { hint: HINT },
    );
  }
  const dir = dirname(path);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of model.weightsManifest) {
    specs.push(...group.weights);
    for (const shard of group.paths) {
      const file = join(dir, shard);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        throw new BenchError(
          'E_FILE_NOT_FOUND',
          `weight shard ${shard} listed in ${path} is missing (looked for ${file})`,
          {
            hint: 'copy every .bin file listed in weightsManifest next to model.json',
          },
        );
      }
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  const expected = specs.reduce((sum, s) => sum + weightBytes(s), 0);
  if (weightData.byteLength !== expected) {
    throw new BenchError(
      'E_FILE_CORRUPT',
      `the weight shards of ${path} hold ${weightData.byteLength} bytes but weightsManifest needs ${expected}`,
      { hint: 'the .bin files do not belong to this model.json, or one is truncated' },
    );
  }
  const artifacts = tf.io.getModelArtifactsForJSONSync(model as tf.io.ModelJSON, specs, weightData);
  return { format, artifacts };
}

function detectFormat(model: Partial<tf.io.ModelJSON> & { format?: string }): TfjsModelFormat | undefined {
  if (model.format === 'graph-model' || model.format === 'layers-model') return model.format;
  const topology = model.modelTopology as Record<string, unknown>;
  if (Array.isArray(topology['node'])) return 'graph-model';
  if ('class_name' in topology || 'model_config' in topology) return 'layers-model';
  return undefined;
}

const BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  int8: 1,
  int16: 2,
  complex64: 8,
};

/** Bytes a manifest entry occupies (quantised weights store their quantised dtype). */
function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((p, d) => p * d, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = BYTES[dtype];
  if (size === undefined)
    throw new BenchError(
      'E_UNSUPPORTED',
      `weight ${spec.name} has dtype ${dtype}, which the harness cannot read`,
    );
  return n * size;
}

/** Loads a model.json as a runnable; shapes of inputs are checked when inputs are bound. */
export async function loadTfjsModelJson(path: string): Promise<TfjsRunnable & { format: TfjsModelFormat }> {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch {
    throw new BenchError('E_FILE_NOT_FOUND', `--model ${path}: no such file`, { hint: HINT });
  }
  const { format, artifacts } = readTfjsArtifacts(path);
  const handler = tf.io.fromMemory(artifacts);
  try {
    if (format === 'graph-model') return graphRunnable(await tf.loadGraphModel(handler));
    return layersRunnable(await tf.loadLayersModel(handler));
  } catch (e) {
    if (e instanceof BenchError) throw e;
    throw new BenchError(
      'E_BAD_INPUT',
      `tfjs could not build ${path}: ${(errorMessage(e).split('\n')[0] ?? '').slice(0, 300)}`,
      { hint: HINT, cause: e },
    );
  }
}

function dtypeOf(d: string): TensorDType {
  return d === 'int32' ? 'int32' : d === 'bool' ? 'bool' : 'float32';
}

function dims(shape: readonly (number | null | undefined)[] | undefined): (number | null)[] {
  return (shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : null));
}

/** Graph and layers models describe their tensors alike; one mapping serves both. */
function signatureOf(t: {
  name: string;
  dtype: string;
  shape?: readonly (number | null | undefined)[];
}): TensorSignature {
  return { name: t.name, dtype: dtypeOf(t.dtype), shape: dims(t.shape) };
}

function graphRunnable(model: tf.GraphModel): TfjsRunnable & { format: TfjsModelFormat } {
  const inputs = model.inputs.map(signatureOf);
  const outputs = model.outputs.map(signatureOf);
  const names = outputs.map((o) => o.name);
  // Control-flow ops need executeAsync; find out once, on the first run, and remember.
  let async = false;
  const toList = (r: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(r) ? r : [r]);
  return {
    format: 'graph-model',
    inputs,
    outputs,
    execute(feeds) {
      const named: tf.NamedTensorMap = Object.fromEntries(feeds);
      if (async) return model.executeAsync(named, names).then(toList);
      try {
        return toList(model.execute(named, names));
      } catch (e) {
        if (!/executeAsync/.test(errorMessage(e))) throw e;
        async = true;
        return model.executeAsync(named, names).then(toList);
      }
    },
    dispose: () => model.dispose(),
  };
}

function layersRunnable(model: tf.LayersModel): TfjsRunnable & { format: TfjsModelFormat } {
  const inputs = model.inputs.map(signatureOf);
  const outputs = model.outputs.map(signatureOf);
  return {
    format: 'layers-model',
    inputs,
    outputs,
    execute(feeds) {
      const xs = inputs.map((i) => feeds.get(i.name)!);
      const y = model.predict(xs.length === 1 ? xs[0]! : xs);
      return Array.isArray(y) ? y : [y];
    },
    dispose: () => model.dispose(),
  };
}
