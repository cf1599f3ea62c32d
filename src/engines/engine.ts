/**
 * The engine contract: one file per engine (ort.ts, tfjs.ts) implements it. The measurement loop
 * only ever sees `LoadedModel.run`, so engines are interchangeable and a fake engine can test the
 * loop's arithmetic.
 */
import type { Graph } from '../graph/ir.js';
import type { DeviceKind, EngineName, Precision, TensorDType, Transfer } from '../results/schema.js';

/**
 * Options of each execution provider, keyed by provider name (onnxruntime js/common style): only what
 * onnxruntime-node really forwards (js/node/src/session_options_helper.cc), so nothing typed here is
 * silently dropped. CPU threads come from LoadRequest.threads; CUDA and TensorRT take a device id only.
 */
export interface ProviderOptionsMap {
  cpu: Record<string, never>;
  cuda: { deviceId?: number };
  tensorrt: { deviceId?: number };
  webgpu: {
    preferredLayout?: 'NCHW' | 'NHWC';
    validationMode?: 'disabled' | 'wgpuOnly' | 'basic' | 'full';
    storageBufferCacheMode?: 'disabled' | 'lazyRelease' | 'simple' | 'bucket';
  };
}

/** Settings of an onnxruntime session (its SessionOptions) that a run may change; tfjs has none. */
export interface SessionSettings {
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  enableCpuMemArena?: boolean;
  enableMemPattern?: boolean;
}

/** A tensor's declared signature; symbolic dimensions are strings (e.g. "N"), unknown are null. */
export interface TensorSignature {
  name: string;
  dtype: TensorDType;
  shape: (number | string | null)[];
}

/** Whether a device can run here, and if not, why and what to do. */
export interface DeviceProbe {
  device: DeviceKind;
  usable: boolean;
  /** Name of the hardware that would run: CPU model, GPU or adapter name. */
  deviceName?: string;
  /** Why it is not usable (one line). */
  reason?: string;
  /** The exact remedy (a command or install step). */
  remedy?: string;
  /** Usable, but emulated on the CPU (e.g. WebGPU over lavapipe): `auto` skips it, results say so. */
  software?: boolean;
}

/** What to load and how. */
export interface LoadRequest {
  /** Path of an .onnx file (ort) or model.json / zoo model (tfjs). */
  modelPath: string;
  device: DeviceKind;
  precision: Precision;
  /** Intra-op threads; 0 = engine default. */
  threads: number;
  transfer: Transfer;
  providerOptions?: Partial<ProviderOptionsMap>;
  /** onnxruntime session settings (`--ep-option session.*`); engines without a session ignore them. */
  session?: SessionSettings;
  /** onnxruntime session config entries by key (`--ep-option config.*`); others ignore them. */
  sessionConfig?: Record<string, string>;
  /**
   * The model as a graph built in memory (a zoo model for tfjs, which runs graphs rather than ONNX
   * files): the caller builds it, so engines never reach up into the zoo.
   */
  graph?: Graph;
}

/** Host-side input data by input name, already of the right dtype and size. */
export type HostInputs = Map<string, { dtype: TensorDType; shape: number[]; data: ArrayBufferView }>;

/** A model ready to run with bound inputs. */
export interface LoadedModel {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** Provider or backend that really runs (may differ from the request). */
  provider: string;
  /** Options given to the provider, recorded in the result. */
  providerOptions: Record<string, unknown>;
  /** Where work really runs when it can differ from the request (tfjs-node-gpu without a visible GPU). */
  actualDevice?: DeviceKind;
  /**
   * The transfer mode really measured, when the engine could not honour the requested one (the
   * result then records this, with a warning from `warnings`).
   */
  transfer?: Transfer;
  /** Things the engine noticed while loading, one line each (recorded as result warnings). */
  warnings?: string[];
  /** Tensors left allocated per run() call (tfjs); measured after the measurement window. */
  leakedTensorsPerIteration?(): number;
  /** Binds host inputs once; later `run` calls reuse them (no allocation in the timed loop). */
  bind(inputs: HostInputs): Promise<void>;
  /** One inference on the bound inputs; resolves once outputs are complete. */
  run(): Promise<void>;
  /** One inference returning outputs on the host, for correctness checks (not timed). */
  runAndRead(): Promise<Map<string, { shape: number[]; data: Float32Array }>>;
  dispose(): Promise<void>;
}

/** An inference engine. */
export interface Engine {
  readonly name: EngineName;
  /** Version of the engine package. */
  readonly version: string;
  /** Whether `device` can run here, without measuring. */
  probe(device: DeviceKind): Promise<DeviceProbe>;
  load(request: LoadRequest): Promise<LoadedModel>;
}
