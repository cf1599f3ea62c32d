/** Decodes an ONNX file with onnx-proto and turns every way it can be unreadable into a one-line BenchError. */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BenchError } from '../core/errors.js';
import { checkExternalData } from './external-data.js';
import { isExternal, int64Value, onnx, type OnnxGraph } from './onnx.js';

/** A decoded model and where it came from. */
export interface LoadedOnnx {
  graph: OnnxGraph;
  /** Opset of the default (ai.onnx) domain. */
  opset: number;
  irVersion: number;
  producer: string;
  /** Path of the file, or "<bytes>" for an in-memory model (used in error messages). */
  label: string;
  /** Directory external data is resolved against (undefined for in-memory bytes). */
  baseDir: string | undefined;
  /** Names of initializers whose data lives in external files. */
  externalInitializers: string[];
  /** Side files holding external data, as the model names them (checked to exist and be long enough). */
  externalFiles?: string[];
}

/** Reads and decodes an ONNX model from a path or from bytes. */
export function loadOnnx(source: Uint8Array | string): LoadedOnnx {
  const label = typeof source === 'string' ? source : '<bytes>';
  const bytes = typeof source === 'string' ? readModelFile(source) : source;
  if (bytes.length === 0) {
    throw new BenchError('E_FILE_CORRUPT', `${label} is empty (0 bytes): not an ONNX model`, {
      hint: 'export the model again, or rebuild it with `bench models export NAME --out FILE.onnx`',
    });
  }
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new BenchError(
      'E_FILE_CORRUPT',
      `${label} is not a readable ONNX model: ${describeDecodeError(e, bytes.length)}`,
      {
        hint: 'the file is damaged or not ONNX; download or export it again',
        cause: e,
      },
    );
  }
  const graph = model.graph;
  if (!graph || ((graph.node?.length ?? 0) === 0 && (graph.output?.length ?? 0) === 0)) {
    throw new BenchError('E_FILE_CORRUPT', `${label} is not an ONNX model: no graph`, {
      hint: 'the file decodes as protobuf but holds no ONNX graph; check that it is an .onnx file',
    });
  }
  const opsetEntry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = opsetEntry ? int64Value(opsetEntry.version) : 0;
  if (opset === 0) {
    throw new BenchError('E_FILE_CORRUPT', `${label} declares no ai.onnx opset: not a valid ONNX model`, {
      hint: 'the model must import the default ONNX operator set',
    });
  }
  const externalInitializers = (graph.initializer ?? []).filter(isExternal).map((t) => t.name ?? '');
  const baseDir = typeof source === 'string' ? dirname(resolve(source)) : undefined;
  // In-memory bytes have no folder to resolve side files against; their tensors' dims still suffice.
  const externalFiles = baseDir === undefined ? [] : checkExternalData(graph, baseDir, label);
  return {
    graph,
    opset,
    irVersion: int64Value(model.irVersion),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    label,
    baseDir,
    externalInitializers,
    externalFiles,
  };
}

function readModelFile(path: string): Uint8Array {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new BenchError('E_FILE_NOT_FOUND', `model file ${path} not found`, {
      hint: 'check the path, or list the built-in models with `bench models`',
    });
  }
  if (!isFile) {
    throw new BenchError('E_BAD_INPUT', `${path} is not a file`, { hint: 'pass the path of an .onnx file' });
  }
  return readFileSync(path);
}

/** protobufjs says "index out of range: 44 + 10 > 44" for a cut file and "invalid wire type 4 at offset 3" for garbage. */
function describeDecodeError(e: unknown, length: number): string {
  const message = e instanceof Error ? e.message : String(e);
  const range = /index out of range: (\d+) \+ (\d+) > (\d+)/.exec(message);
  if (range)
    return `truncated at byte ${length} (a field needs ${range[2]} more bytes after byte ${range[1]})`;
  const wire = /invalid wire type (\d+) at offset (\d+)/.exec(message);
  if (wire) return `corrupt protobuf (invalid wire type ${wire[1]} at byte ${wire[2]})`;
  return `corrupt protobuf (${message.split('\n')[0] ?? ''})`;
}
