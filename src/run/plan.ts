/**
 * `bench run --dry-run`: what a run would do, settled exactly as a run settles it (same checks, same
 * device choice, same --resume decisions), with nothing measured and no result file written. Zoo
 * models are built into the cache as a run would build them, since a build's sha256 is what
 * identifies it (and what --resume matches).
 */
import { existsSync } from 'node:fs';
import { peakSearchS } from '../measure/qps-search.js';
import type { DeviceKind, Precision, Scenario } from '../results/schema.js';
import { isSoftwareDevice } from './device.js';
import type { RunOptionsInput } from './options.js';
import { prepareSweep } from './sweep.js';

/** One configuration of the plan. */
interface PlannedRun {
  model: string;
  /** Short sha256 of the model file that would run. */
  sha: string;
  precision: Precision;
  /** Intra-op threads (0 = the engine's default). */
  threads: number;
  batch: number;
  scenario: Scenario;
  /** `keep`: --resume found it measured in the file already. */
  action: 'measure' | 'keep';
}

/** What `bench run` would do with the same options. */
export interface RunPlan {
  engine: { name: string; version: string };
  device: {
    requested: string;
    /** The device that would run (after auto-selection or a fallback to the CPU). */
    actual: DeviceKind;
    /** True for WebGPU on a CPU Vulkan driver: CPU figures. */
    software: boolean;
    fallbackReason?: string;
  };
  /** The result file, and what the run would do to it. */
  out: { path: string; action: 'create' | 'replace' | 'continue' };
  configurations: PlannedRun[];
  /** Configurations the run would measure, and keep (--resume). */
  toMeasure: number;
  kept: number;
  /**
   * Seconds of measuring the configurations to measure would take, at least and at most: each
   * offline, single-stream or server configuration measures from --duration to --max-duration (a
   * --find-peak search several short trials and confirmations). Warm-up, session creation and the
   * first inference come on top, so a run takes longer than `max` when those are slow.
   */
  measuringS: { min: number; max: number };
}

/** Settles a run's plan without measuring (see the module comment); `notice` hears what a run would say. */
export async function planRun(
  input: RunOptionsInput,
  notice: (line: string) => void = () => undefined,
): Promise<RunPlan> {
  const { o, models, engine, choice, out, previous, plan, kept } = await prepareSweep(input, notice, {
    dryRun: true,
  });
  const configurations = models.flatMap((model, m) =>
    (plan[m] ?? []).map((p): PlannedRun => ({
      model: model.name,
      sha: model.sha256.slice(0, 12),
      precision: model.precision,
      threads: p.config.threads,
      batch: p.config.batch,
      scenario: p.config.scenario,
      action: kept.has(p.key) ? 'keep' : 'measure',
    })),
  );
  const toMeasure = configurations.filter((c) => c.action === 'measure').length;
  const perConfig = o.findPeak
    ? peakSearchS(o.durationS, o.maxDurationS)
    : { min: o.durationS, max: o.maxDurationS };
  return {
    engine: { name: engine.name, version: engine.version },
    device: {
      requested: choice.requested,
      actual: choice.actual,
      software: isSoftwareDevice(choice),
      ...(choice.fallbackReason ? { fallbackReason: choice.fallbackReason } : {}),
    },
    // prepareSweep refused an existing --out without --force or --resume, so one that exists is replaced.
    out: { path: out, action: previous ? 'continue' : existsSync(out) ? 'replace' : 'create' },
    configurations,
    toMeasure,
    kept: configurations.length - toMeasure,
    measuringS: { min: toMeasure * perConfig.min, max: toMeasure * perConfig.max },
  };
}
