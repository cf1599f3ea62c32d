/**
 * onnxruntime-node behind the Engine interface. Inputs are bound once; `run()` is a bare
 * `session.run(feeds)` so the harness adds nothing measurable per iteration (see bench/overhead).
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import ort from 'onnxruntime-node';
import { physicalCores } from '../env/environment.js';
import { BenchError, errorMessage } from '../core/errors.js';
import { float16BitsToFloat32 } from '../graph/fp16.js';
import type { DeviceKind, TensorDType, Transfer } from '../results/schema.js';
import type { DeviceProbe, Engine, HostInputs, LoadedModel, LoadRequest, TensorSignature } from './engine.js';
import { probeOrtDevice } from './ort-probe.js';
import { configEntries } from './ort-options.js';

const require = createRequire(import.meta.url);

/** Version of the onnxruntime-node package actually loaded. */
export const ORT_VERSION: string = (require('onnxruntime-node/package.json') as { version: string }).version;

/** onnxruntime tensor type names to the result schema's dtype names. */
const DTYPE_FROM_ORT: Record<string, TensorDType> = {
  float32: 'float32',
  float16: 'float16',
  int64: 'int64',
  int32: 'int32',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

/** Converts session metadata to engine-neutral signatures; rejects non-tensor values plainly. */
function signatures(meta: readonly ort.InferenceSession.ValueMetadata[], what: string): TensorSignature[] {
  return meta.map((m) => {
    if (!m.isTensor) {
      throw new BenchError(
        'E_UNSUPPORTED',
        `model ${what} '${m.name}' is not a tensor (sequences and maps are not supported)`,
      );
    }
    const dtype = DTYPE_FROM_ORT[m.type];
    if (!dtype) {
      throw new BenchError(
        'E_UNSUPPORTED',
        `model ${what} '${m.name}' has type ${m.type}, which the harness cannot feed`,
        {
          hint: 'supported input types: float32, float16, int64, int32, int8, uint8, bool',
        },
      );
    }
    return {
      name: m.name,
      dtype,
      shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' ? d : null)),
    };
  });
}

/** Execution-provider list and recorded options for a device. */
function providerConfig(request: LoadRequest): {
  providers: ort.InferenceSession.ExecutionProviderConfig[];
  recorded: Record<string, unknown>;
} {
  const opts = request.providerOptions ?? {};
  switch (request.device) {
    case 'cpu':
      return { providers: ['cpu'], recorded: { intraOpNumThreads: request.threads } };
    case 'cuda': {
      const deviceId = opts.cuda?.deviceId ?? 0;
      // The Node binding forwards only deviceId to the CUDA provider (js/node/src/session_options_helper.cc);
      // cuDNN algorithm search therefore stays at ORT's default (EXHAUSTIVE) and CUDA graphs stay off.
      return {
        providers: [{ name: 'cuda', deviceId }],
        recorded: { deviceId, cudnnConvAlgoSearch: 'EXHAUSTIVE (ORT default; not settable from Node)' },
      };
    }
    case 'tensorrt': {
      const deviceId = opts.tensorrt?.deviceId ?? 0;
      // TensorRT builds fp16 engines only when the model is fp16 here: the binding forwards deviceId only.
      return {
        providers: [
          { name: 'tensorrt', deviceId },
          { name: 'cuda', deviceId },
        ],
        recorded: { deviceId },
      };
    }
    case 'webgpu': {
      // NHWC is the provider's own default and its faster path for convolutions (squeezenet1_1 batch 1
      // on lavapipe: 346 ms against 655 ms with NCHW, identical logits); named so results record it.
      const webgpu = { ...opts.webgpu, preferredLayout: opts.webgpu?.preferredLayout ?? 'NHWC' };
      return { providers: [{ name: 'webgpu', ...webgpu }], recorded: { ...webgpu } };
    }
  }
}

class OrtLoadedModel implements LoadedModel {
  readonly inputs: TensorSignature[];
  readonly outputs: TensorSignature[];
  transfer?: Transfer;
  warnings?: string[];
  private feeds: Record<string, ort.Tensor> = {};

  constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: string,
    readonly providerOptions: Record<string, unknown>,
  ) {
    this.inputs = signatures(session.inputMetadata, 'input');
    this.outputs = signatures(session.outputMetadata, 'output');
  }

  async bind(inputs: HostInputs): Promise<void> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of inputs) {
      feeds[name] = new ort.Tensor(t.dtype, t.data as never, t.shape);
    }
    this.feeds = feeds;
  }

  async run(): Promise<void> {
    await this.session.run(this.feeds);
  }

  async runAndRead(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = await this.session.run(this.feeds);
    const result = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, value] of Object.entries(out)) {
      const data = value.location === 'cpu' ? value.data : await value.getData();
      result.set(name, { shape: [...value.dims], data: toFloat32(data, value.type) });
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Copies any numeric tensor data to Float32Array (float16 arrives as raw uint16 bits). */
function toFloat32(data: unknown, type: string): Float32Array {
  if (data instanceof Float32Array) return data;
  if (type === 'float16' && data instanceof Uint16Array) return Float32Array.from(data, float16BitsToFloat32);
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>, Number);
  throw new BenchError('E_UNSUPPORTED', `cannot read an output of type ${type} as numbers`);
}

/** onnxruntime-node as an Engine. */
export class OrtEngine implements Engine {
  readonly name = 'ort' as const;
  readonly version = ORT_VERSION;

  probe(device: DeviceKind): Promise<DeviceProbe> {
    return probeOrtDevice(device);
  }

  async load(request: LoadRequest): Promise<LoadedModel> {
    const { providers, recorded } = providerConfig(request);
    const threads = request.threads > 0 ? request.threads : 0;
    // 'all' unless --ep-option says otherwise; recorded with every run, as are the other session settings given.
    const settings = { graphOptimizationLevel: 'all' as const, ...request.session };
    // Config entries go through `extra`; one that does not apply to this device (a fallback) is left out.
    const config = configEntries(request.sessionConfig ?? {}, request.device);
    Object.assign(recorded, settings, config);
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: providers,
      ...settings,
      ...(Object.keys(config).length > 0 ? { extra: config } : {}),
      // 0 lets ORT pick (one thread per physical core); recorded as the effective count below.
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      // Fatal only: at 3 (error) onnxruntime printed its own multi-line, coloured log of a model it
      // refuses (found by fuzzing, issue 20) beside our one-line reason, which quotes its message.
      logSeverityLevel: 4,
    };
    let transfer: Transfer | undefined;
    const warnings: string[] = [];
    if (request.transfer === 'exclude' && request.device === 'webgpu') {
      // onnxruntime-node 1.30 hands gpu-buffer outputs to JS as a bare handle: reading one (getData)
      // aborts the process and disposing one frees nothing, so every run would leak its output
      // buffers (bench/perf/webgpu-gpu-buffer.ts measures this). Outputs are therefore read back each run.
      transfer = 'include';
      recorded['preferredOutputLocation'] = 'cpu';
      warnings.push(
        '--transfer exclude is not available on webgpu with onnxruntime-node: its gpu-buffer outputs cannot be read and are never freed, so outputs are copied to the host in every timed run and the result records transfer "include"',
      );
    } else if (request.transfer === 'exclude' && request.device !== 'cpu') {
      // Keep outputs where they are computed so device-to-host copies leave the timed region.
      options.preferredOutputLocation = 'gpu-buffer';
      recorded['preferredOutputLocation'] = 'gpu-buffer';
      // onnxruntime-node binds inputs from host memory only, so their upload stays inside the timed run.
      recorded['inputsCopiedEachRun'] = true;
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(request.modelPath, options);
    } catch (e) {
      throw new BenchError(
        'E_BAD_INPUT',
        `onnxruntime could not load ${request.modelPath} on ${request.device}: ${firstLine(errorMessage(e))}`,
        {
          cause: e,
        },
      );
    }
    recorded['intraOpNumThreads'] = threads > 0 ? threads : defaultThreadsText();
    const model = new OrtLoadedModel(session, request.device, recorded);
    if (transfer) model.transfer = transfer;
    if (warnings.length > 0) model.warnings = warnings;
    return model;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** A fresh onnxruntime-node engine. */
export function createOrtEngine(): OrtEngine {
  return new OrtEngine();
}

/**
 * What intraOpNumThreads 0 means here: ORT sizes its pool to the physical cores (not the logical ones,
 * which would double the figure on SMT machines); without topology in /proc/cpuinfo it says so.
 */
function defaultThreadsText(): string {
  const physical = physicalCores();
  return physical !== undefined
    ? `default (${physical} physical cores)`
    : `default (one per physical core; ${cpus().length} logical cores here)`;
}
