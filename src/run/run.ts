/**
 * `bench run` as a programmatic API: resolves models and device, measures every configuration and
 * writes the result file atomically after each one, so a crash or Ctrl-C keeps all finished work.
 */
import { constants as osConstants } from 'node:os';
import { analyzeModel } from '../analyze/index.js';
import { zooAnalysis } from '../analyze/zoo-table.js';
import { parseShapeFlags } from '../analyze/shape-flag.js';
import type { Engine, LoadedModel } from '../engines/engine.js';
import { samplesPerJoule, startPowerSampler } from '../env/power-sampler.js';
import { BenchError, errorMessage, ExitCode, type ExitCodeValue } from '../core/errors.js';
import { buildGraph } from '../../models/index.js';
import { measure } from '../measure/measure.js';
import { ioFaultCode, writeResultFile } from '../results/io.js';
import { checkMemory, failureReason, freeMemory, oversizeReason } from './memory.js';
import type {
  DeviceInfo,
  Environment,
  ModelInfo,
  ResultFile,
  RunConfig,
  RunResult,
  RunWarning,
} from '../results/schema.js';
import { SCHEMA_VERSION } from '../results/schema.js';
import { isSoftwareDevice, type DeviceChoice } from './device.js';
import { generateInputs, resolveInputShapes } from './inputs.js';
import { runKey } from '../results/key.js';
import type { ResolvedModel } from './models.js';
import type { RunOptions, RunOptionsInput } from './options.js';
import { continuedFile, interruptionMark, recordRun, type PlannedConfig } from './resume.js';
import { configFor, precisionsFor, prepareSweep } from './sweep.js';

/** Callbacks the CLI uses for progress and messages; all optional. */
export interface RunHooks {
  /** One-line notices for stderr (fallback warnings, model builds). */
  onNotice?: (line: string) => void;
  /**
   * A configuration starts: index from 0, total count, a short label, and the configurations this
   * call still measures, this one first (kept ones left out: they take no time), for an estimate of
   * the time left.
   */
  onConfigStart?: (index: number, total: number, label: string, pending: readonly PendingConfig[]) => void;
  /** --resume found this configuration measured in the file already and keeps it (index as above). */
  onConfigKept?: (index: number, total: number, label: string) => void;
  /** Fraction done of the current configuration's measurement (0..1). */
  onProgress?: (fraction: number) => void;
  /** A configuration finished (ok or failed) and the file was written. */
  onConfigDone?: (run: RunResult, file: ResultFile) => void;
  /** Aborts the sweep (Ctrl-C): finished configurations are kept, then E_INTERRUPTED is thrown. */
  signal?: AbortSignal;
  /** The command line recorded in the file. */
  command?: string;
}

/** A configuration still to measure, with what an estimate of its duration needs. */
export interface PendingConfig {
  /** The model's sha256: a zoo build is one per precision and seed. */
  sha256: string;
  /** MACs per image from the analyzer; null when unknown. */
  macsPerImage: number | null;
  /** Its planned settings: batch, threads, warm-up and the stop rule. */
  config: RunConfig;
}

/** What a finished run returns. */
export interface RunOutcome {
  file: ResultFile;
  /** Where it was written. */
  path: string;
  /** The runs this call measured (all of `file.runs` unless --resume kept some). */
  measured: RunResult[];
  /** Configurations of this sweep that --resume kept from the file instead of measuring. */
  kept: number;
}

/** Signals that stop a run after saving its finished configurations (Ctrl-C, a supervisor, a closed terminal). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** One of {@link STOP_SIGNALS}. */
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The exit codes of a run stopped by one of the {@link STOP_SIGNALS}. */
export type StopExitCode = Extract<ExitCodeValue, 130 | 143 | 129>;

/**
 * The signal an abort stands for. The CLI aborts with the signal's name as the reason ('SIGTERM'); any
 * other abort (an API caller's plain abort(), or a reason such as 'SIGUSR1') counts as Ctrl-C, so the
 * file records the same signal the exit code reports.
 */
export function abortSignalName(signal: AbortSignal | undefined): StopSignal {
  const reason: unknown = signal?.reason;
  return STOP_SIGNALS.find((name) => name === reason) ?? 'SIGINT';
}

/**
 * The shell's exit code for a process stopped by `signalName`: 128 + its number (130, 143, 129, 137);
 * ExitCode.interrupted for a name this platform does not know. For the stop signals these are the
 * documented ExitCode.interrupted, terminated and hangup (a test checks they agree).
 */
export function signalExitCode(signalName: StopSignal): StopExitCode;
export function signalExitCode(signalName: string): number;
export function signalExitCode(signalName: string): number {
  const n = (osConstants.signals as Record<string, number | undefined>)[signalName];
  return n === undefined ? ExitCode.interrupted : 128 + n;
}

/** What a result file records when a signal stopped its sweep early; undefined when nothing was lost. */
export function interruptedRecord(
  signalName: string,
  finished: number,
  planned: number,
): ResultFile['interrupted'] {
  return finished < planned
    ? { signal: signalName, finishedConfigurations: finished, plannedConfigurations: planned }
    : undefined;
}

/**
 * E_INTERRUPTED for a run stopped by `signalName`, with how to complete the file it left: `--resume`
 * for a file from one process, measuring the rest elsewhere and `bench merge` for a --gpus file.
 */
export function interruptedError(
  out: string,
  finished: number,
  signalName: StopSignal,
  options: { resumable?: boolean; outGiven?: boolean } = {},
): BenchError {
  // An auto-named file must be named for --resume to find it.
  const resume = options.outGiven ? '--resume' : `--resume --out ${out}`;
  const hint = options.resumable
    ? `to complete it, run the command again with ${resume} (not --force): the finished configurations are kept and only the rest are measured`
    : `to complete it, run the missing configurations (--model, --batch) with another --out and join the files with \`bench merge ${out} REST.json --out ALL.json\`; --force with --out ${out} starts over`;
  return new BenchError(
    'E_INTERRUPTED',
    `interrupted: ${finished} finished configuration(s) saved in ${out}`,
    {
      hint,
      exitCode: signalExitCode(signalName),
    },
  );
}

/**
 * How many configurations `o` measures on one device: every model at each of its precisions, each
 * thread count and every batch size.
 */
export function plannedConfigurations(
  o: Pick<RunOptions, 'models' | 'batches' | 'precision'> & { threads?: readonly number[] },
): number {
  const models = o.models.reduce((n, spec) => n + precisionsFor(spec, o).length, 0);
  return models * (o.threads?.length ?? 1) * o.batches.length;
}

/** A model's planned configurations split by thread count (one session each), in plan order. */
function byThreads(configs: readonly PlannedConfig[]): PlannedConfig[][] {
  const groups = new Map<number, PlannedConfig[]>();
  for (const p of configs) groups.set(p.config.threads, [...(groups.get(p.config.threads) ?? []), p]);
  return [...groups.values()];
}

/** The warnings every run of `resolved` carries: the device's, and fp16 on the CPU provider. */
function modelWarningsFor(
  resolved: ResolvedModel,
  choice: DeviceChoice,
  env: Environment,
  gpuIndex: number,
): RunWarning[] {
  const warnings = deviceWarnings(choice, env, gpuIndex);
  if (resolved.precision === 'fp16' && choice.actual === 'cpu') {
    warnings.push({
      code: 'W_FP16_ON_CPU',
      message:
        'fp16 on the CPU provider: onnxruntime runs the model without error but inserts casts and computes in fp32 (its verbose log shows the fp16 weights folded into fp32 nodes), so this measures fp32 work plus casts, not fp16 arithmetic: expect no gain over fp32',
      advice:
        resolved.source === 'file'
          ? 'run the fp32 original of this file on CPU; fp16 is meant for cuda, tensorrt and webgpu'
          : 'use --precision fp32 on CPU; fp16 is meant for cuda, tensorrt and webgpu',
    });
  }
  return warnings;
}

/** True when the model declares input `name` with a fixed (numeric) first dimension. */
function fixedFirstAxis(resolved: ResolvedModel, name: string): boolean {
  return typeof resolved.inputs?.find((i) => i.name === name)?.shape[0] === 'number';
}

/** Peak live activation bytes per image of each described model, for the memory check (not part of the result model). */
const peakPerImage = new WeakMap<ModelInfo, number>();

/** The memory figures of a described model. */
function memoryFigures(model: ModelInfo): { weightBytes?: number; peakActivationBytesPerImage?: number } {
  const peak = peakPerImage.get(model);
  return {
    ...(model.weightBytes !== undefined ? { weightBytes: model.weightBytes } : {}),
    ...(peak !== undefined ? { peakActivationBytesPerImage: peak } : {}),
  };
}

/** Static facts about the model from the analyzer; cost stays null (with a warning) when unknown. */
export function describeModel(
  resolved: ResolvedModel,
  o: Pick<RunOptions, 'seed' | 'shapes'>,
  warnings: RunWarning[],
): ModelInfo {
  const base = {
    name: resolved.name,
    source: resolved.source,
    sha256: resolved.sha256,
    precision: resolved.precision, // a file's own, not --precision (see resolveModel)
    inputs: [],
  };
  const withPath = resolved.source === 'file' ? { ...base, path: resolved.path } : base;
  if (!resolved.onnxPath) {
    return { ...withPath, params: 0, macsPerImage: null, flopsPerImage: null };
  }
  try {
    // Zoo models share the analysis cached beside their build; user files get --shape at batch 1.
    const a =
      resolved.source === 'zoo'
        ? zooAnalysis(resolved.name, { precision: resolved.precision, seed: o.seed })
        : analyzeModel(resolved.onnxPath, {
            shapes: Object.fromEntries(
              Object.entries(parseShapeFlags(o.shapes)).map(([k, v]) => [
                k,
                // Batch 1 only where the batch is symbolic: a fixed first axis (a [2] size vector) stays.
                fixedFirstAxis(resolved, k) ? v : [1, ...v.slice(1)],
              ]),
            ),
          });
    // Unresolved ops (shapes not inferable, usually after an unknown op) leave the totals partial too.
    const uncosted = [...a.unknownOps, ...(a.unresolvedOps ?? [])];
    if (uncosted.length > 0) {
      warnings.push({
        code: 'W_UNKNOWN_COST',
        message: `cost unknown for operators: ${uncosted.join(', ')}`,
        advice: 'GFLOP/s and roofline figures are left out for this model',
      });
    }
    const known = uncosted.length === 0;
    const intMacs = a.intMacs ?? 0;
    if (intMacs > 0) {
      // A quantized file still has float inputs, so --precision alone would misdescribe what runs.
      warnings.push({
        code: 'W_INTEGER_MODEL',
        message: `${((100 * intMacs) / Math.max(1, a.macs)).toFixed(0)} % of this model's MACs are 8-bit integer (a quantized model, recorded as ${resolved.precision}); GFLOP/s counts integer operations too`,
        advice: 'compare it with quantized models only; its H100e spec figure is the 8-bit rule',
      });
    }
    const info: ModelInfo = {
      ...withPath,
      params: a.params,
      macsPerImage: known ? a.macs / a.batch : null,
      flopsPerImage: known ? a.flops / a.batch : null,
      weightBytes: a.weightBytes,
      activationBytesPerImage: a.activationBytes / a.batch,
    };
    if (a.peakActivationBytes !== undefined) peakPerImage.set(info, a.peakActivationBytes / a.batch);
    return info;
  } catch (e) {
    warnings.push({
      code: 'W_ANALYSIS_FAILED',
      message: `static analysis failed: ${errorMessage(e)}`,
      advice:
        'GFLOP/s and roofline figures are left out; `bench models inspect FILE` shows where the analyzer stops',
    });
    return { ...withPath, params: 0, macsPerImage: null, flopsPerImage: null };
  }
}

/**
 * What every run on this device should carry as a warning: a GPU that was asked for but is not what
 * ran (fallback to CPU), a GPU API emulated on the CPU, or WebGPU on a machine of several GPUs (which
 * adapter Dawn chose is not reported). `--device auto` choosing the CPU is no warning: the user asked
 * for whatever is best here.
 */
export function deviceWarnings(choice: DeviceChoice, env: Environment, gpuIndex: number): RunWarning[] {
  if (choice.requested !== 'auto' && choice.actual === 'cpu' && choice.requested !== 'cpu') {
    return [
      {
        code: 'W_CPU_FALLBACK',
        message: `--device ${choice.requested} could not run (${choice.fallbackReason ?? 'unknown reason'}): these are CPU figures`,
        advice:
          '`bench doctor` names the missing piece and its remedy; --no-fallback fails instead of falling back',
      },
    ];
  }
  if (isSoftwareDevice(choice)) {
    return [
      {
        code: 'W_SOFTWARE_DEVICE',
        message: `--device ${choice.actual} ran on ${choice.probe.deviceName ?? 'a software driver'}: these are CPU figures, not GPU ones`,
        advice: 'measure on a machine with a GPU and its Vulkan driver for GPU figures',
      },
    ];
  }
  if (choice.actual === 'webgpu' && env.gpus.length > 1) {
    const named = env.gpus.find((g) => g.index === gpuIndex);
    return [
      {
        code: 'W_WEBGPU_ADAPTER',
        message: `this machine has ${env.gpus.length} GPUs and onnxruntime does not say which one its WebGPU provider chose: the run is labelled GPU ${gpuIndex}${named ? ` (${named.name})` : ''}, whose power and memory it records`,
        advice:
          'measure on one visible GPU (in a container, expose only that one), or use --device cuda, which takes a device id',
      },
    ];
  }
  return [];
}

/** Device facts for the result, with the GPU name from nvidia-smi where one is known. */
function deviceInfo(choice: DeviceChoice, env: Environment, gpuIndex: number): DeviceInfo {
  const gpu = env.gpus.find((g) => g.index === gpuIndex);
  const software = isSoftwareDevice(choice);
  const onGpu = choice.actual !== 'cpu' && !software;
  // A software adapter keeps its probe name ("software Vulkan (lavapipe) on the CPU"), never a GPU's.
  const name = software
    ? (choice.probe.deviceName ?? `${choice.actual} on the CPU`)
    : onGpu
      ? (gpu?.name ?? choice.probe.deviceName ?? `${choice.actual} device`)
      : env.cpu.model;
  return {
    requested: choice.requested,
    actual: choice.actual,
    name,
    ...(choice.fallbackReason ? { fallbackReason: choice.fallbackReason } : {}),
    ...(onGpu ? { gpuIndex } : {}),
    ...(software ? { software: true } : {}),
  };
}

/** Measures one configuration on a loaded model. Engine errors (e.g. out of memory) become status failed. */
async function measureOne(
  loaded: LoadedModel,
  engine: Engine,
  o: RunOptions,
  planned: Pick<RunConfig, 'batch' | 'threads'>,
  base: Omit<RunResult, 'key' | 'status' | 'samplesMs' | 'warnings' | 'config'> & { warnings: RunWarning[] },
  sessionCreateMs: number,
  hooks: RunHooks,
): Promise<RunResult> {
  const { batch } = planned;
  const config = configFor(o, batch, planned.threads);
  const shapes = resolveInputShapes(loaded.inputs, batch, parseShapeFlags(o.shapes)); // usage errors propagate
  const model = { ...base.model, inputs: shapes };
  if (loaded.actualDevice && loaded.actualDevice !== base.device.actual) {
    base = {
      ...base,
      device: {
        ...base.device,
        actual: loaded.actualDevice,
        fallbackReason: `${loaded.provider} loaded but placed work on ${loaded.actualDevice}`,
        chosen: base.device.actual,
      },
    };
  }
  const engineInfo = {
    name: engine.name,
    version: engine.version,
    provider: loaded.provider,
    providerOptions: loaded.providerOptions,
  };
  const skeleton = {
    ...base,
    model,
    engine: engineInfo,
    config,
    key: runKey({ model, engine: engineInfo, config }),
  };
  try {
    await loaded.bind(generateInputs(shapes, o.seed));
    const t0 = performance.now();
    await loaded.run();
    const firstInferenceMs = performance.now() - t0;
    const sampler = base.device.gpuIndex === undefined ? undefined : startPowerSampler(base.device.gpuIndex);
    // The recorded config is the measurement's settings (MeasureSettings is a Pick of RunConfig).
    const m = await measure(loaded, batch, config, {
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    });
    const power = await sampler?.stop();
    if (m.aborted) throw new BenchError('E_INTERRUPTED', 'interrupted');
    const leaked = loaded.leakedTensorsPerIteration?.();
    const engineWarnings: RunWarning[] =
      leaked !== undefined && leaked > 0
        ? [
            {
              code: 'W_TENSOR_LEAK',
              message: `${leaked} tensors leaked per iteration`,
              advice: 'the model or engine keeps intermediate tensors alive; memory grows with every run',
            },
          ]
        : [];
    return {
      ...skeleton,
      status: 'ok',
      coldStart: { sessionCreateMs, firstInferenceMs },
      latency: m.latency,
      throughput: m.throughput,
      samplesMs: m.samplesMs,
      measuredDurationS: m.wallTimeS,
      iterations: m.iterations,
      ...(power
        ? {
            power: {
              avgW: power.avgW,
              maxW: power.maxW,
              readings: power.readings,
              samplesPerJoule: samplesPerJoule(m.throughput.samplesPerS, power.avgW),
            },
          }
        : {}),
      memory: {
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        ...(power?.maxMemoryUsedMiB !== undefined ? { gpuUsedMiB: power.maxMemoryUsedMiB } : {}),
      },
      ...(m.server ? { server: m.server } : {}),
      warnings: [...base.warnings, ...m.warnings, ...engineWarnings],
    };
  } catch (e) {
    if (e instanceof BenchError && (e.code === 'E_INTERRUPTED' || e.code === 'E_USAGE')) throw e;
    return {
      ...skeleton,
      status: 'failed',
      error: errorMessage(e).split('\n')[0],
      samplesMs: [],
      warnings: base.warnings,
    };
  }
}

/**
 * A failed rewrite of the result file: an I/O fault (disk full, EIO, permission lost) stops the sweep
 * with E_IO (exit 74), saying what the file still holds (the atomic write left the last complete
 * version); anything else is rethrown as it is. `savedRuns` -1: nothing saved yet. `resumable`
 * false (--gpus, which cannot resume) makes the hint say to run the command again.
 */
export function saveFailure(e: unknown, out: string, savedRuns: number, resumable = true): unknown {
  const code = ioFaultCode(e);
  if (!code) return e;
  const kept =
    savedRuns < 0
      ? 'nothing was saved'
      : `${out} keeps its last complete version (${savedRuns} configuration(s))`;
  const full = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
  const again = resumable
    ? 'run the same command with --resume to measure the rest'
    : 'run the command again';
  return new BenchError('E_IO', `cannot save ${out} (${code}): the sweep stopped; ${kept}`, {
    hint: `${full ? 'free some space' : 'check the disk and the permissions of the file and its folder'}, then ${again}`,
    cause: e,
  });
}

/**
 * Runs every configuration (models x batches) and returns the result file. The file is rewritten after
 * each configuration. Throws E_INTERRUPTED after saving when `hooks.signal` aborts before every
 * configuration finished (exit 130, or 143/129 when the abort's reason is 'SIGTERM'/'SIGHUP'); the file
 * then records how much was left undone.
 */
export async function runBenchmarks(input: RunOptionsInput, hooks: RunHooks = {}): Promise<RunOutcome> {
  const notice = hooks.onNotice ?? (() => undefined);
  const command = hooks.command ?? 'bench (API)';
  const { o, models, engine, choice, out, env, ortOptions, previous, plan, kept, unlock } =
    await prepareSweep(input, notice, { command });
  const planKeys = plan.flat().map((p) => p.key);
  const file: ResultFile = previous
    ? continuedFile(previous, command)
    : {
        schemaVersion: SCHEMA_VERSION,
        createdAt: new Date().toISOString(),
        command,
        environment: env,
        runs: [],
      };
  const total = plannedConfigurations(o);
  const measured: RunResult[] = [];
  const device = deviceInfo(choice, env, o.gpuIndex);
  /** Runs in the file as last saved (what a failed save leaves on disk). */
  let savedRuns = previous ? previous.runs.length : -1;
  /** Writes the file, its interruption mark brought up to date (`signal`: what stopped the sweep). */
  const save = (signalName?: string): void => {
    const mark = interruptionMark(file, planKeys, previous?.interrupted, signalName);
    if (mark) file.interrupted = mark;
    else delete file.interrupted;
    try {
      writeResultFile(out, file);
      savedRuns = file.runs.length;
    } catch (e) {
      throw saveFailure(e, out, savedRuns);
    }
  };
  const markInterrupted = (): void => save(abortSignalName(hooks.signal));
  /** Planned configurations the file holds an outcome of: kept, or measured by this call. */
  const finished = (): number => kept.size + measured.length;
  // A second Ctrl-C (or SIGTERM) ends the process at once with process.exit: the finished
  // configurations are on disk already, and this marks the file as cut short on the way out.
  const onExit = (): void => {
    if (!hooks.signal?.aborted) return;
    try {
      markInterrupted();
    } catch {
      // Exiting anyway: the file keeps its finished configurations without the mark.
    }
  };
  process.on('exit', onExit);
  try {
    // Described before anything is measured, so the time-left estimate knows every model's cost.
    const described = models.map((resolved) => {
      const warnings = modelWarningsFor(resolved, choice, env, o.gpuIndex);
      return { resolved, model: describeModel(resolved, o, warnings), warnings };
    });
    const pending = new Map<string, PendingConfig>();
    for (const [m, { model }] of described.entries()) {
      for (const p of plan[m] ?? []) {
        if (!kept.has(p.key))
          pending.set(p.key, { sha256: model.sha256, macsPerImage: model.macsPerImage, config: p.config });
      }
    }
    let index = 0;
    for (const [m, { resolved, model, warnings: modelWarnings }] of described.entries()) {
      // Intra-op threads are a session option: one session per thread count of the sweep.
      for (const configs of byThreads(plan[m] ?? [])) {
        const threads = configs[0]?.config.threads ?? 0;
        // Each session's own warnings (W_ENGINE) stay with its runs.
        const warnings = [...modelWarnings];
        const base = {
          startedAt: new Date().toISOString(),
          model,
          engine: { name: engine.name, version: engine.version, provider: choice.actual },
          device,
          warnings,
        };
        // With --resume, a session whose configurations the file all measured already is not loaded.
        if (configs.every((p) => kept.has(p.key))) {
          for (const p of configs) hooks.onConfigKept?.(index++, total, p.label);
          continue;
        }
        let loaded: LoadedModel | undefined;
        let sessionCreateMs = 0;
        let loadError: string | undefined;
        let loadStatus: 'failed' | 'skipped' = 'failed';
        // Every configuration of this session too large for the free memory: they are all skipped
        // below, and the session is not even created (its weights alone may not fit).
        const free = await freeMemory(choice.actual, o.gpuIndex);
        const allOversize =
          !o.forceOversize &&
          configs.every((p) => {
            const m = checkMemory(memoryFigures(model), p.config.batch, free);
            return m !== undefined && m.neededBytes > m.freeBytes;
          });
        if (!allOversize)
          try {
            const t0 = performance.now();
            loaded = await engine.load({
              modelPath: resolved.path,
              device: choice.actual,
              precision: resolved.precision,
              threads,
              transfer: o.transfer,
              providerOptions: {
                cuda: { deviceId: o.gpuIndex },
                tensorrt: { deviceId: o.gpuIndex },
                webgpu: ortOptions.webgpu,
              },
              session: ortOptions.session,
              sessionConfig: ortOptions.config,
              // tfjs runs graphs, not ONNX files: zoo models reach it built in memory, same seed as the .onnx.
              ...(o.engine === 'tfjs' && resolved.source === 'zoo'
                ? { graph: buildGraph(resolved.name, { seed: o.seed }) }
                : {}),
            });
            sessionCreateMs = performance.now() - t0;
            for (const line of loaded.warnings ?? [])
              warnings.push({
                code: 'W_ENGINE',
                message: line,
                advice: 'see README, GPUs, for what each provider supports',
              });
          } catch (e) {
            if (e instanceof BenchError && e.code === 'E_USAGE') throw e;
            // An engine that cannot do what was asked at all (e.g. tfjs and fp16) skips; anything else failed.
            loadStatus = e instanceof BenchError && e.code === 'E_UNSUPPORTED' ? 'skipped' : 'failed';
            loadError = errorMessage(e).split('\n')[0];
          }
        try {
          for (const { key, label, config: planned } of configs) {
            if (hooks.signal?.aborted) break;
            if (kept.has(key)) {
              hooks.onConfigKept?.(index++, total, label);
              continue;
            }
            const current = pending.get(key);
            const others = [...pending.values()].filter((p) => p !== current);
            hooks.onConfigStart?.(index++, total, label, current ? [current, ...others] : others);
            let run: RunResult;
            const memory = checkMemory(
              memoryFigures(model),
              planned.batch,
              await freeMemory(choice.actual, o.gpuIndex),
            );
            const oversize = memory !== undefined && memory.neededBytes > memory.freeBytes;
            if (oversize && !o.forceOversize) {
              const config = { ...planned };
              run = {
                ...base,
                config,
                key: runKey({ model, engine: base.engine, config }),
                status: 'skipped',
                error: oversizeReason(memory),
                samplesMs: [],
              };
            } else if (!loaded) {
              const config = { ...planned };
              run = {
                ...base,
                config,
                key: runKey({ model, engine: base.engine, config }),
                status: loadStatus,
                error: loadError === undefined ? undefined : failureReason(loadError, memory),
                samplesMs: [],
              };
            } else {
              try {
                // The engine may have measured another transfer mode than asked (it warned); record that one.
                const asMeasured = loaded.transfer ? { ...o, transfer: loaded.transfer } : o;
                run = await measureOne(
                  loaded,
                  engine,
                  asMeasured,
                  planned,
                  { ...base, startedAt: new Date().toISOString() },
                  sessionCreateMs,
                  hooks,
                );
                if (run.status === 'failed' && run.error) run.error = failureReason(run.error, memory);
              } catch (e) {
                if (e instanceof BenchError && e.code === 'E_INTERRUPTED') break;
                throw e;
              }
            }
            // An engine that measured another transfer mode than asked (it warned) records the asked one too.
            if (run.config.transfer !== o.transfer) run.config.requestedTransfer = o.transfer;
            recordRun(file, run);
            measured.push(run);
            pending.delete(key);
            save();
            hooks.onConfigDone?.(run, file);
          }
        } finally {
          await loaded?.dispose();
        }
        if (hooks.signal?.aborted) break;
      }
      if (hooks.signal?.aborted) break;
    }
    // A signal after the last configuration finished lost nothing: the file is complete, no error.
    if (hooks.signal?.aborted && finished() < total) {
      // The file says it is incomplete; an empty sweep (Ctrl-C at once) still leaves one.
      markInterrupted();
      throw interruptedError(out, finished(), abortSignalName(hooks.signal), {
        resumable: true,
        outGiven: o.out !== undefined,
      });
    }
    // Every finished configuration already saved the file; an empty sweep still leaves one, and a
    // resumed file that had nothing left to measure still records the resume (and its mark, updated).
    if (file.runs.length === 0 || previous) save();
    return { file, path: out, measured, kept: kept.size };
  } finally {
    process.off('exit', onExit);
    unlock();
  }
}
