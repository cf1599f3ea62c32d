/**
 * Result file, schema version 2 (version 2 added `bench ab`'s section and each run's `abSide`;
 * readers migrate version 1 files, which lack both). One zod definition gives both the runtime validator (on write and on
 * read) and the TypeScript types; `results/README.md` documents every field. Units are in the names:
 * `Ms` milliseconds, `S` seconds, `W` watts, `Bytes`, `MiB`, `PerS` per second.
 */
import { z } from 'zod';
import { AbSectionSchema } from './ab-schema.js';
import { EngineNameSchema, PrecisionSchema } from './enums.js';

/** The schema version this tool writes. Readers accept this and migrate older ones. */
export const SCHEMA_VERSION = 2;

export { EngineNameSchema, PrecisionSchema } from './enums.js';
/** Concrete devices a configuration can run on. */
const DeviceKindSchema = z.enum(['cpu', 'cuda', 'tensorrt', 'webgpu']);
/**
 * A measured amount that cannot be negative: times, rates, sizes, power. 0 stays valid because some
 * fields use it for "none" or "not known" (statistics of zero samples, params of a model that could
 * not be analysed, the QPS of a server run with no wall time).
 */
const amount = (): z.ZodNumber => z.number().nonnegative();
/** A count of things: a non-negative integer. */
const count = (): z.ZodNumber => z.number().int().nonnegative();

/** What the user may ask for: a concrete device or `auto`. */
export const DeviceRequestSchema = z.enum(['auto', 'cpu', 'cuda', 'tensorrt', 'webgpu']);
/** MLPerf LoadGen scenarios: throughput, batch-1 latency, Poisson arrivals against a p99 bound. */
export const ScenarioSchema = z.enum(['offline', 'single-stream', 'server']);
/** Whether host-device copies are inside (include) or outside (exclude) the timed region. */
export const TransferSchema = z.enum(['include', 'exclude']);
/** How a configuration ended. */
const StatusSchema = z.enum(['ok', 'failed', 'skipped']);
/** Element types of model inputs and outputs. */
const TensorDTypeSchema = z.enum(['float32', 'float16', 'int64', 'int32', 'int8', 'uint8', 'bool']);

/** One GPU as nvidia-smi reports it. */
export const GpuInfoSchema = z.object({
  index: count(),
  name: z.string(),
  uuid: z.string().optional(),
  driverVersion: z.string().optional(),
  cudaVersion: z.string().optional(),
  memoryTotalMiB: amount().optional(),
  smClockMaxMHz: amount().optional(),
  memClockMaxMHz: amount().optional(),
  powerLimitW: amount().optional(),
  /** MIG mode: when enabled, CUDA work runs on a slice of this GPU, not the whole of it. */
  migEnabled: z.boolean().optional(),
});

/** The machine and software a result file was measured with. */
export const EnvironmentSchema = z.object({
  hostname: z.string(),
  os: z.object({ platform: z.string(), release: z.string(), arch: z.string() }),
  // os.cpus() is empty on some hosts (no /proc), so 0 cores is possible and means "not known".
  cpu: z.object({ model: z.string(), logicalCores: count(), physicalCores: count().optional() }),
  memoryBytes: amount(),
  node: z.string(),
  tool: z.object({ name: z.string(), version: z.string(), gitCommit: z.string().optional() }),
  /** Package versions by name, e.g. {"onnxruntime-node": "1.30.0"}. */
  packages: z.record(z.string(), z.string()),
  gpus: z.array(GpuInfoSchema),
  /**
   * Where Slurm ran this file's command (`bench cluster`): the node name (SLURMD_NODENAME, which need
   * not be the hostname), job and step ids. Absent outside a Slurm step.
   */
  slurm: z.object({ nodeName: z.string(), jobId: z.string(), stepId: z.string().optional() }).optional(),
});

/** An input or output tensor with its concrete shape as measured. */
const TensorInfoSchema = z.object({
  name: z.string(),
  dtype: TensorDTypeSchema,
  shape: z.array(z.number().int()),
});

/** What was measured: the model and its static cost. */
const ModelInfoSchema = z.object({
  name: z.string(),
  source: z.enum(['zoo', 'file']),
  path: z.string().optional(),
  sha256: z.string(),
  /** Parameter count (initializer elements). */
  params: count(),
  /** Multiply-accumulates per image (batch 1), from the static analyzer; null when unknown ops exist. */
  macsPerImage: amount().nullable(),
  /** FLOPs per image (batch 1); null when unknown. */
  flopsPerImage: amount().nullable(),
  /** Weight bytes at this precision. */
  weightBytes: amount().optional(),
  /** Activation bytes read+written per image, for roofline estimates. */
  activationBytesPerImage: amount().optional(),
  inputs: z.array(TensorInfoSchema),
  precision: PrecisionSchema,
});

/** Engine and execution provider that ran. */
const EngineInfoSchema = z.object({
  name: EngineNameSchema,
  version: z.string(),
  /** Execution provider (ort) or backend (tfjs) that really ran, e.g. "cpu", "cuda", "wasm". */
  provider: z.string(),
  providerOptions: z.record(z.string(), z.unknown()).optional(),
});

/** Requested versus actual device, with the reason when they differ. */
const DeviceInfoSchema = z.object({
  requested: DeviceRequestSchema,
  actual: DeviceKindSchema,
  /** Human-readable name of what ran: CPU model or GPU name. */
  name: z.string(),
  fallbackReason: z.string().optional(),
  gpuIndex: count().optional(),
  /**
   * True when the device is emulated on the CPU (WebGPU over lavapipe or SwiftShader): the figures are
   * CPU figures, and `bench estimate` treats the run as a CPU run.
   */
  software: z.boolean().optional(),
  /**
   * The device the sweep chose and planned on, present only when the engine then placed the work
   * elsewhere (`actual`, with `fallbackReason`): what `bench run --resume` matches the run by.
   */
  chosen: DeviceKindSchema.optional(),
});

/** Measurement settings of one configuration. */
export const RunConfigSchema = z.object({
  scenario: ScenarioSchema,
  batch: z.number().int().positive(),
  threads: z.number().int().nonnegative(),
  concurrency: z.number().int().positive(),
  warmupIterations: z.number().int().nonnegative(),
  minDurationS: z.number().positive(),
  minIterations: z.number().int().nonnegative(),
  maxDurationS: z.number().positive(),
  relCiPct: z.number().positive(),
  transfer: TransferSchema,
  /** The transfer mode asked for, present only when the engine measured another one (`transfer`). */
  requestedTransfer: TransferSchema.optional(),
  seed: z.number().int(),
  /** Server scenario only: target arrivals per second and p99 bound. */
  qps: z.number().positive().optional(),
  latencyBoundMs: z.number().positive().optional(),
  findPeak: z.boolean().optional(),
});

/** Latency statistics of per-iteration samples, all in milliseconds except counts and ratios. */
export const LatencyStatsSchema = z.object({
  count: count(),
  meanMs: amount(),
  sdMs: amount(),
  medianMs: amount(),
  p50Ms: amount(),
  p90Ms: amount(),
  p95Ms: amount(),
  p99Ms: amount(),
  p999Ms: amount(),
  minMs: amount(),
  maxMs: amount(),
  /** Coefficient of variation, sd / mean (a ratio, not percent). */
  cv: amount(),
  /** Median absolute deviation (unscaled). */
  madMs: amount(),
  /** 95 % confidence interval of the median (order-statistic method). */
  medianCi95Ms: z.tuple([amount(), amount()]),
  /** Samples whose modified z-score exceeds 3.5. */
  outliers: count(),
});

/** Throughput in samples (images) per second with its 95 % CI. */
export const ThroughputSchema = z.object({
  /** Central figure: images per second. */
  samplesPerS: amount(),
  ci95: z.tuple([amount(), amount()]),
  /** How the central figure was obtained. */
  method: z.enum(['median-latency', 'wall-clock']),
  /** Completed images over the measured wall time, for reference. */
  wallClockSamplesPerS: amount(),
});

/** Cold start, apart from the steady state. */
const ColdStartSchema = z.object({
  sessionCreateMs: amount(),
  firstInferenceMs: amount(),
});

/** Power sampled from nvidia-smi during the measurement window. */
export const PowerSchema = z.object({
  avgW: amount(),
  maxW: amount(),
  readings: count(),
  samplesPerJoule: amount(),
});

/** A warning with advice; never a failure. */
const WarningSchema = z.object({
  code: z.string(),
  message: z.string(),
  advice: z.string().optional(),
});

/** Server-scenario outcome (MLPerf LoadGen style). */
const ServerResultSchema = z.object({
  targetQps: amount(),
  achievedQps: amount(),
  /**
   * p99 latency in ms by LoadGen's rule (the sample at rank ⌊0.99·n⌋, not interpolated), the figure
   * checked against the bound; `latency.p99Ms` interpolates. Files written before the harness adopted
   * LoadGen's rule (2026-11-30) hold the interpolated value here.
   */
  p99Ms: amount(),
  latencyBoundMs: amount(),
  /** p99 ≤ bound and no query dropped. */
  met: z.boolean(),
  /**
   * True when arrivals stopped at --max-duration before --duration and --min-iterations held: LoadGen
   * calls such a run INVALID whatever its p99, and compare does not judge it. Absent otherwise.
   */
  cutShort: z.boolean().optional(),
  /** p99 in ms of how late the harness admitted scheduled arrivals (part of every latency). */
  arrivalLagP99Ms: amount().optional(),
  /** Steps of the peak search, when --find-peak. */
  search: z.array(z.object({ qps: amount(), p99Ms: amount(), met: z.boolean() })).optional(),
  /** Full-length confirmation runs of the peak, in order; the figures above are the last one's. */
  confirmations: z.array(z.object({ qps: amount(), p99Ms: amount(), met: z.boolean() })).optional(),
});

/** One measured (or failed) configuration. */
const RunResultSchema = z.object({
  /** Stable key for matching across files: model@sha|engine|provider|precision|bN|scenario|cN|tN. */
  key: z.string(),
  startedAt: z.string(),
  model: ModelInfoSchema,
  engine: EngineInfoSchema,
  device: DeviceInfoSchema,
  config: RunConfigSchema,
  status: StatusSchema,
  error: z.string().optional(),
  coldStart: ColdStartSchema.optional(),
  latency: LatencyStatsSchema.optional(),
  throughput: ThroughputSchema.optional(),
  /** Raw per-iteration latencies in ms, in order of completion. */
  samplesMs: z.array(amount()),
  measuredDurationS: amount().optional(),
  iterations: count().optional(),
  power: PowerSchema.optional(),
  memory: z.object({ rssMiB: amount().optional(), gpuUsedMiB: amount().optional() }).optional(),
  server: ServerResultSchema.optional(),
  warnings: z.array(WarningSchema),
  /** Index into the file's `sources` when the run came from `bench merge`. */
  sourceIndex: count().optional(),
  /** Which side of `bench ab` this run is (its samples pooled over the rounds); absent for bench run's runs. */
  abSide: z.enum(['a', 'b']).optional(),
});

/**
 * A later `bench run --resume` that continued a file: when and with which command line. Runs measured
 * before and after a resume share the file's `environment` (resume checks the host, CPU, GPUs and the
 * engine version) and each has its own `startedAt`.
 */
const ResumeRecordSchema = z.object({ at: z.string(), command: z.string() });

/**
 * The mark of a sweep a signal stopped before it ended: the file holds the configurations that
 * finished, fewer than were planned (every GPU's, with --gpus). A later `--resume` that leaves some
 * of them unmeasured keeps the mark (and its signal) with the counts brought up to date:
 * `finishedConfigurations` is then the file's rows, `plannedConfigurations` those plus the missing.
 */
const InterruptedSchema = z.object({
  /** The signal that stopped the run: SIGINT (Ctrl-C), SIGTERM or SIGHUP. */
  signal: z.string(),
  finishedConfigurations: count(),
  plannedConfigurations: count(),
  /**
   * What is still missing: each unfinished configuration's key without the provider, then ` on
   * DEVICE` (run/resume.ts planKey). `bench run --resume` measures them and drops the mark when none is left.
   */
  unfinishedKeys: z.array(z.string()).optional(),
});

/**
 * One file `bench merge` combined: its path, environment and provenance, so a merged file still says
 * which command measured each run, when, and whether that sweep was cut short. The provenance fields
 * are optional because files merged by older versions lack them.
 */
const MergeSourceSchema = z.object({
  file: z.string(),
  environment: EnvironmentSchema,
  /** The source's own `command` and `createdAt`. */
  command: z.string().optional(),
  createdAt: z.string().optional(),
  resumed: z.array(ResumeRecordSchema).optional(),
  interrupted: InterruptedSchema.optional(),
});

/** A whole result file. */
export const ResultFileSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  createdAt: z.string(),
  /** The exact command line that produced the file. */
  command: z.string(),
  environment: EnvironmentSchema,
  runs: z.array(RunResultSchema),
  /** Multi-GPU runs (`--gpus`): per configuration, each GPU's throughput and the total. */
  aggregates: z
    .array(
      z.object({
        /** The configuration's key without the GPU suffix. */
        key: z.string(),
        gpuIndices: z.array(count()),
        perGpuSamplesPerS: z.array(amount()),
        totalSamplesPerS: amount(),
      }),
    )
    .optional(),
  /** Files merged by `bench merge`, indexed by run.sourceIndex (see {@link MergeSourceSchema}). */
  sources: z.array(MergeSourceSchema).optional(),
  /** Each later `bench run --resume` that continued this file (see {@link ResumeRecordSchema}). */
  resumed: z.array(ResumeRecordSchema).optional(),
  /** Present only when a signal stopped the sweep early (see {@link InterruptedSchema}). */
  interrupted: InterruptedSchema.optional(),
  /** `bench ab`'s rounds and verdicts; the two sides' runs are in `runs`, marked by `abSide`. */
  ab: AbSectionSchema.optional(),
});

/* The TypeScript type of each schema above (z.infer), under the schema's name without "Schema". */
export type EngineName = z.infer<typeof EngineNameSchema>;
export type DeviceKind = z.infer<typeof DeviceKindSchema>;
export type DeviceRequest = z.infer<typeof DeviceRequestSchema>;
export type Precision = z.infer<typeof PrecisionSchema>;
export type Scenario = z.infer<typeof ScenarioSchema>;
export type Transfer = z.infer<typeof TransferSchema>;
export type RunStatus = z.infer<typeof StatusSchema>;
export type TensorDType = z.infer<typeof TensorDTypeSchema>;
export type GpuInfo = z.infer<typeof GpuInfoSchema>;
export type Environment = z.infer<typeof EnvironmentSchema>;
export type TensorInfo = z.infer<typeof TensorInfoSchema>;
export type ModelInfo = z.infer<typeof ModelInfoSchema>;
export type EngineInfo = z.infer<typeof EngineInfoSchema>;
export type DeviceInfo = z.infer<typeof DeviceInfoSchema>;
export type RunConfig = z.infer<typeof RunConfigSchema>;
export type LatencyStats = z.infer<typeof LatencyStatsSchema>;
export type Throughput = z.infer<typeof ThroughputSchema>;
export type ColdStart = z.infer<typeof ColdStartSchema>;
export type Power = z.infer<typeof PowerSchema>;
export type RunWarning = z.infer<typeof WarningSchema>;
export type ServerResult = z.infer<typeof ServerResultSchema>;
export type RunResult = z.infer<typeof RunResultSchema>;
export type ResultFile = z.infer<typeof ResultFileSchema>;
