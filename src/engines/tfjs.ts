/**
 * TensorFlow.js behind the Engine interface (`--engine tfjs`). Loads zoo models from the same graph
 * IR (and weights) as the .onnx builds, or a user's model.json from disk. The backend is global to
 * the process (see tfjs-backend.ts); `provider` is what tf.getBackend() reports after loading.
 *
 * Precision: fp16 is refused (E_UNSUPPORTED) rather than silently run in fp32: none of the backends
 * reachable from Node (tensorflow, wasm, cpu) computes in float16, so an "fp16" figure would be a
 * mislabelled fp32 one.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { BenchError } from '../core/errors.js';
import type { DeviceKind } from '../results/schema.js';
import type { DeviceProbe, Engine, HostInputs, LoadedModel, LoadRequest, TensorSignature } from './engine.js';
import {
  probeTfjsDevice,
  selectTfjsBackend,
  type BackendChoice,
  type TfjsBackendName,
} from './tfjs-backend.js';
import { compileGraph, type TfjsRunnable } from './tfjs-graph.js';
import { loadTfjsModelJson } from './tfjs-model-json.js';

const require = createRequire(import.meta.url);

/** Version of the @tensorflow/tfjs package actually loaded. */
export const TFJS_VERSION: string = (require('@tensorflow/tfjs/package.json') as { version: string }).version;

/** Engine-wide options. */
export interface TfjsEngineOptions {
  /** Pin a backend (no fallback); default: env H100E_TFJS_BACKEND, else the harness's choice. */
  backend?: TfjsBackendName;
}

/** True when `modelPath` names a zoo model rather than a file (no path separator, no .json). */
export function isZooModelName(modelPath: string): boolean {
  return !/[\\/]/.test(modelPath) && !modelPath.toLowerCase().endsWith('.json');
}

/** Concrete dims of a signature with the symbolic batch set to 1, or undefined when others are unknown. */
function warmShape(sig: TensorSignature): number[] | undefined {
  const dims = sig.shape.map((d, k) => (typeof d === 'number' ? d : k === 0 ? 1 : null));
  return dims.every((d): d is number => d !== null) ? dims : undefined;
}

/** A loaded tfjs model; adds leak accounting and the backend's warnings to LoadedModel. */
export class TfjsLoadedModel implements LoadedModel {
  readonly inputs: TensorSignature[];
  readonly outputs: TensorSignature[];
  readonly provider: string;
  readonly providerOptions: Record<string, unknown>;
  /** Device that really computes: cpu unless TensorFlow placed ops on a GPU. */
  readonly actualDevice: DeviceKind;
  /** Problems to show the user (backend fallbacks, ignored thread counts, no GPU visible). */
  readonly warnings: string[];
  private feeds = new Map<string, tf.Tensor>();
  private runs = 0;
  private baseline = 0;
  private readonly readBack: boolean;

  constructor(
    private readonly runnable: TfjsRunnable,
    choice: BackendChoice,
    request: LoadRequest,
  ) {
    this.inputs = runnable.inputs;
    this.outputs = runnable.outputs;
    this.provider = tf.getBackend();
    this.actualDevice = choice.usingGpu ? 'cuda' : 'cpu';
    this.warnings = [...choice.warnings];
    // wasm and cpu kernels finish before execute() returns; the tensorflow backend (GPU above all)
    // has no way to wait for completion except reading the outputs, so it always reads them.
    this.readBack = request.transfer === 'include' || choice.backend === 'tensorflow';
    this.providerOptions = {
      backend: choice.backend,
      ...(choice.nativePackage ? { nativePackage: choice.nativePackage } : {}),
      usingGpu: choice.usingGpu,
      threadsRequested: choice.threadsRequested,
      threads: choice.threadsActual,
      ...(choice.simd !== undefined ? { simd: choice.simd } : {}),
      ...(choice.skipped.length > 0 ? { skipped: choice.skipped } : {}),
      outputsReadBack: this.readBack,
    };
  }

  async bind(inputs: HostInputs): Promise<void> {
    const feeds = new Map<string, tf.Tensor>();
    try {
      for (const sig of this.inputs) {
        const host = inputs.get(sig.name);
        if (!host) throw new BenchError('E_BAD_INPUT', `no data for input '${sig.name}' of the tfjs model`);
        checkShape(sig, host.shape);
        feeds.set(sig.name, toTensor(sig, host));
      }
    } catch (e) {
      for (const t of feeds.values()) t.dispose();
      throw e;
    }
    for (const t of this.feeds.values()) t.dispose();
    this.feeds = feeds;
    this.runs = 0;
    this.baseline = tf.memory().numTensors;
  }

  async run(): Promise<void> {
    const outs = await this.runnable.execute(this.feeds);
    if (this.readBack) await Promise.all(outs.map((t) => t.data()));
    for (const t of outs) t.dispose();
    this.runs++;
  }

  async runAndRead(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const outs = await this.runnable.execute(this.feeds);
    const result = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [k, t] of outs.entries()) {
      const data = await t.data();
      result.set(this.outputs[k]?.name ?? `output${k}`, {
        shape: [...t.shape],
        data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>),
      });
      t.dispose();
    }
    this.runs++;
    return result;
  }

  /**
   * Tensors left alive per inference since the last bind: (numTensors now - after bind) / runs.
   * 0 for the zoo interpreter and for well-behaved model.json files; assumes no other model runs
   * in this process meanwhile (tfjs counts tensors globally).
   */
  leakedTensorsPerIteration(): number {
    return this.runs === 0 ? 0 : (tf.memory().numTensors - this.baseline) / this.runs;
  }

  /** Runs `iterations` more inferences and returns the tensors they left alive, per inference. */
  async measureLeak(iterations = 10): Promise<number> {
    const before = tf.memory().numTensors;
    for (let i = 0; i < iterations; i++) await this.run();
    return (tf.memory().numTensors - before) / iterations;
  }

  async dispose(): Promise<void> {
    for (const t of this.feeds.values()) t.dispose();
    this.feeds.clear();
    this.runnable.dispose();
  }
}

/** Throws a one-line E_BAD_INPUT when `shape` cannot feed `sig` (rank or a fixed dim differs). */
export function checkShape(sig: TensorSignature, shape: readonly number[]): void {
  const fits =
    shape.length === sig.shape.length && sig.shape.every((d, k) => typeof d !== 'number' || d === shape[k]);
  if (!fits) {
    const want = sig.shape.map((d) => (typeof d === 'number' ? String(d) : '?')).join('x');
    throw new BenchError(
      'E_BAD_INPUT',
      `input '${sig.name}' of the tfjs model takes ${want}, not ${shape.join('x')}`,
      {
        hint: `pass a fitting --shape ${sig.name}:${sig.shape.map((d) => (typeof d === 'number' ? d : 1)).join('x')} (tfjs models are usually NHWC)`,
      },
    );
  }
}

function toTensor(
  sig: TensorSignature,
  host: { dtype: string; shape: number[]; data: ArrayBufferView },
): tf.Tensor {
  const { data, shape } = host;
  if (data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array) {
    const dtype = sig.dtype === 'int32' ? 'int32' : sig.dtype === 'bool' ? 'bool' : 'float32';
    return tf.tensor(data, shape, dtype);
  }
  if (data instanceof BigInt64Array) return tf.tensor(Int32Array.from(data, Number), shape, 'int32');
  if (ArrayBuffer.isView(data))
    return tf.tensor(Float32Array.from(data as unknown as ArrayLike<number>), shape, 'float32');
  throw new BenchError('E_UNSUPPORTED', `input '${sig.name}': cannot feed ${host.dtype} data to tfjs`);
}

function backendFromEnv(): TfjsBackendName | undefined {
  const v = process.env['H100E_TFJS_BACKEND'];
  if (v === undefined || v === '') return undefined;
  if (v === 'tensorflow' || v === 'wasm' || v === 'cpu') return v;
  throw new BenchError('E_USAGE', `H100E_TFJS_BACKEND=${v} is not a tfjs backend`, {
    hint: 'use tensorflow, wasm or cpu, or unset it',
  });
}

/** TensorFlow.js as an Engine. */
export class TfjsEngine implements Engine {
  readonly name = 'tfjs' as const;
  readonly version = TFJS_VERSION;

  constructor(private readonly options: TfjsEngineOptions = {}) {}

  probe(device: DeviceKind): Promise<DeviceProbe> {
    return probeTfjsDevice(device);
  }

  async load(request: LoadRequest): Promise<TfjsLoadedModel> {
    if (request.precision === 'int8') {
      throw new BenchError('E_UNSUPPORTED', '--precision int8: the tfjs engine runs float models only', {
        hint: 'use --engine ort for int8 (QDQ) models',
      });
    }
    if (request.precision === 'fp16') {
      throw new BenchError(
        'E_UNSUPPORTED',
        '--precision fp16: TensorFlow.js has no float16 compute on the tensorflow, wasm or cpu backends',
        {
          hint: 'use --precision fp32 with --engine tfjs (fp16 needs --engine ort on a GPU)',
        },
      );
    }
    const force = this.options.backend ?? backendFromEnv();
    const choice = await selectTfjsBackend({
      device: request.device,
      threads: request.threads,
      ...(force ? { force } : {}),
    });
    let runnable: TfjsRunnable;
    if (request.graph) {
      runnable = compileGraph(request.graph);
    } else if (isZooModelName(request.modelPath)) {
      throw new BenchError('E_USAGE', `tfjs: zoo model ${request.modelPath} was given by name without its graph`, {
        hint: 'pass the graph the zoo builds (buildGraph from models/index.js) as LoadRequest.graph',
      });
    } else {
      runnable = await loadTfjsModelJson(request.modelPath);
    }
    if (request.graph) warmUp(runnable);
    return new TfjsLoadedModel(runnable, choice, request);
  }
}

/**
 * One batch-1 run at load so layout-converted constants are made (and kept) now, like ORT's
 * constant folding at session creation, rather than inside the first measured inference.
 */
function warmUp(runnable: TfjsRunnable): void {
  const shapes = runnable.inputs.map(warmShape);
  if (shapes.some((s) => s === undefined)) return;
  const feeds = new Map(runnable.inputs.map((sig, k) => [sig.name, tf.zeros(shapes[k]!)]));
  const outs = runnable.execute(feeds);
  const done = (ts: tf.Tensor[]): void => {
    for (const t of ts) t.dispose();
    for (const t of feeds.values()) t.dispose();
  };
  if (Array.isArray(outs)) done(outs);
}

/** A tfjs engine (the tfjs packages load with this module). */
export async function createTfjsEngine(options: TfjsEngineOptions = {}): Promise<TfjsEngine> {
  return new TfjsEngine(options);
}
