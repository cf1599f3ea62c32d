/**
 * What a sweep settles before it measures anything, shared by `bench run` and its `--dry-run`: the
 * options, every model resolved (zoo models built), the engine and device, the output file, and each
 * configuration's identity, with what `--resume` keeps of the file.
 */
import { extname } from 'node:path';
import { parseShapeFlags } from '../analyze/shape-flag.js';
import type { Engine } from '../engines/engine.js';
import { appliedSettings, parseOrtOptions, type OrtOptions } from '../engines/ort-options.js';
import { captureEnvironment } from '../env/environment.js';
import { BenchError } from '../core/errors.js';
import { checkOutFile } from '../results/io.js';
import { lockResultFile } from '../results/lock.js';
import type { Environment, Precision, ResultFile, RunConfig } from '../results/schema.js';
import { chooseDevice, type DeviceChoice } from './device.js';
import { planKey } from '../results/key.js';
import { loadEngine } from './engines.js';
import { resolveInputShapes } from './inputs.js';
import { buildInt8ZooModels, looksLikePath, resolveModel, type ResolvedModel } from './models.js';
import { parseRunOptions, type RunOptions, type RunOptionsInput } from './options.js';
import {
  keptConfigurations,
  openForResume,
  otherVersionNotes,
  timingNotes,
  type PlannedConfig,
} from './resume.js';
import { defaultOutPath, outNameDevice } from './out-path.js';

/** The measurement settings recorded for one configuration: a batch size at a thread count of `o`. */
export function configFor(o: RunOptions, batch: number, threads: number): RunConfig {
  return {
    scenario: o.scenario,
    batch,
    threads,
    concurrency: o.scenario === 'single-stream' ? 1 : o.concurrency,
    warmupIterations: o.warmup,
    minDurationS: o.durationS,
    minIterations: o.minIterations,
    maxDurationS: o.maxDurationS,
    relCiPct: o.relCiPct,
    transfer: o.transfer,
    seed: o.seed,
    ...(o.qps !== undefined ? { qps: o.qps } : {}),
    ...(o.latencyBoundMs !== undefined ? { latencyBoundMs: o.latencyBoundMs } : {}),
    ...(o.findPeak ? { findPeak: true } : {}),
  };
}

/**
 * Checks --shape and --batch against every model's declared inputs before anything is measured, so a
 * shape that fits the first model but not the second (or names no input, or has the wrong rank) is a
 * usage error at once rather than after the first model's minutes. measureOne checks again against the
 * engine's own view of the inputs; this is the early, same-rules copy of that check.
 */
function checkShapes(models: ResolvedModel[], o: RunOptions): void {
  const flags = parseShapeFlags(o.shapes);
  for (const m of models) {
    if (!m.inputs) continue; // a model.json: its inputs are known once tfjs loads it
    for (const batch of o.batches) {
      try {
        resolveInputShapes(m.inputs, batch, flags);
      } catch (e) {
        if (!(e instanceof BenchError)) throw e;
        // With several models the message must say which one the shape does not fit.
        throw new BenchError(e.code, `--model ${m.source === 'file' ? m.path : m.name}: ${e.message}`, {
          ...(e.hint ? { hint: e.hint } : {}),
          cause: e,
        });
      }
    }
  }
}

/**
 * The precisions one --model value is measured at: each --precision for a zoo model (or a TensorFlow.js
 * model.json, whose engine takes the precision asked for); for an ONNX file one entry, since a file
 * runs at its own: the --precision when one was given (a file of another is then an error), else
 * undefined. With fp32,fp16 a file's own precision is among them.
 */
export function precisionsFor(spec: string, o: Pick<RunOptions, 'precision'>): (Precision | undefined)[] {
  const precisions = o.precision ?? [undefined];
  const onnxFile = looksLikePath(spec) && extname(spec).toLowerCase() !== '.json';
  return onnxFile ? [precisions.length === 1 ? precisions[0] : undefined] : precisions;
}

/** The models one --model value stands for, one per {@link precisionsFor}. */
function resolveAtPrecisions(spec: string, o: RunOptions): ResolvedModel[] {
  return precisionsFor(spec, o).map((precision) =>
    resolveModel(spec, { engine: o.engine, seed: o.seed, precision }),
  );
}

/** A sweep ready to measure (see {@link prepareSweep}). */
export interface Sweep {
  o: RunOptions;
  models: ResolvedModel[];
  engine: Engine;
  choice: DeviceChoice;
  /** The result file it writes. */
  out: string;
  env: Environment;
  /** The --ep-option settings, parsed. */
  ortOptions: OrtOptions;
  /** The file --resume continues; undefined without --resume or when there is none yet. */
  previous: ResultFile | undefined;
  /** Each model's configurations, one per thread count and batch size, in measuring order. */
  plan: PlannedConfig[][];
  /** The {@link planKey}s of `previous` this sweep keeps instead of measuring. */
  kept: Set<string>;
  /** Releases the lock on `out` (results/lock.ts) the sweep holds from before --resume reads it; a no-op for a dry run. */
  unlock: () => void;
}

/**
 * Validates the options and settles everything {@link Sweep} holds, with the same errors a run
 * gives (usage, missing files, an --out that exists, a --resume refused) and nothing measured;
 * `notice` hears the device choice and anything --resume should tell.
 */
export async function prepareSweep(
  input: RunOptionsInput,
  notice: (line: string) => void,
  { dryRun = false, command = 'bench run' }: { dryRun?: boolean; command?: string } = {},
): Promise<Sweep> {
  const o = parseRunOptions(input);
  parseShapeFlags(o.shapes); // a malformed --shape fails now, not after the first configuration
  // --resume writes over the file it continues, as --force would.
  if (o.out) checkOutFile(o.out, { force: o.force || o.resume });
  // One writer per result file (results/lock.ts), held until the sweep ends: taken at once for a named
  // --out (a second writer is refused before any probing), after the device choice for the default one.
  let unlock: (() => void) | undefined = dryRun
    ? () => undefined
    : o.out
      ? lockResultFile(o.out, command)
      : undefined;
  try {
    // int8 zoo builds calibrate through onnxruntime (asynchronous), so they are made before resolving.
    if (o.precision?.includes('int8')) await buildInt8ZooModels(o);
    // Resolve every model first: a typo in the third --model must fail before minutes of measuring.
    const models = o.models.flatMap((spec) => resolveAtPrecisions(spec, o));
    checkShapes(models, o);
    const engine = await loadEngine(o.engine);
    const choice = await chooseDevice(engine, o.device, o.fallback);
    if (choice.notice) notice(choice.notice);
    const out = o.out ?? defaultOutPath(outNameDevice(choice), { create: !dryRun });
    if (!o.out) checkOutFile(out, { force: true });
    const env = await captureEnvironment();
    const ortOptions = parseOrtOptions(o.epOptions, o.engine, o.device);
    if (choice.actual !== 'webgpu' && Object.keys(ortOptions.webgpu).length > 0) {
      notice(`warning: the webgpu.* --ep-option settings are not applied: the run uses ${choice.actual}`);
    }
    const settings = o.engine === 'ort' ? appliedSettings(ortOptions, choice.actual) : undefined;
    unlock ??= lockResultFile(out, command);
    return planSweep({ o, models, engine, choice, out, env, ortOptions, settings, unlock }, notice);
  } catch (e) {
    unlock?.();
    throw e;
  }
}

/** The rest of {@link prepareSweep}, under the lock: --resume's file read and the plan. */
function planSweep(
  s: Omit<Sweep, 'previous' | 'plan' | 'kept'> & { settings: ReturnType<typeof appliedSettings> | undefined },
  notice: (line: string) => void,
): Sweep {
  const { o, models, engine, choice, out, env, ortOptions, settings, unlock } = s;
  const previous = o.resume ? openForResume(out, env, engine) : undefined;
  // Every configuration of the sweep, identified before any engine loads (see results/key.ts planKey).
  const shapes = parseShapeFlags(o.shapes);
  const sweepsPrecision = (o.precision?.length ?? 0) > 1;
  const sweepsThreads = o.threads.length > 1;
  // Thread counts outside batch sizes: each thread count is a session of its own (run.ts loads one
  // per count), so its batch sizes follow each other.
  const plan = models.map((resolved) =>
    o.threads.flatMap((threads) =>
      o.batches.map((batch): PlannedConfig => {
        const config = configFor(o, batch, threads);
        const keyed = { model: resolved, engine: { name: engine.name, provider: choice.actual }, config };
        return {
          key: planKey(keyed, choice.actual),
          label: `${resolved.name}${sweepsPrecision ? ` ${resolved.precision}` : ''}${sweepsThreads ? ` t${threads}` : ''} b${batch}`,
          config,
          ...(resolved.inputs ? { inputs: resolveInputShapes(resolved.inputs, batch, shapes) } : {}),
          ...(settings ? { settings } : {}),
        };
      }),
    ),
  );
  const kept = previous ? keptConfigurations(previous, plan.flat(), out) : new Set<string>();
  if (previous) {
    for (const line of otherVersionNotes(previous, models, out)) notice(line);
    for (const line of timingNotes(previous, plan.flat(), out)) notice(line);
  }
  return { o, models, engine, choice, out, env, ortOptions, previous, plan, kept, unlock };
}
