/**
 * `bench run --resume`: continue a sweep in the --out file it left (Ctrl-C, a crash, a time limit)
 * instead of measuring everything again. Configurations the file already measured are kept; the rest
 * are measured and added. Only a file from one `bench run` on this machine with this engine version
 * can be continued, so every run in it still describes the environment recorded at its top, and the
 * settings of a kept configuration must be the ones asked for now, so a key stays one measurement.
 */
import { existsSync } from 'node:fs';
import { planKey } from '../results/key.js';
import { recordedSettings } from '../engines/ort-options.js';
import { BenchError } from '../core/errors.js';
import { readResultFile } from '../results/io.js';
import type { Environment, ResultFile, RunConfig, RunResult, TensorInfo } from '../results/schema.js';

/** What to do instead when a file cannot be continued. */
const RESUME_HINT =
  'measure the missing configurations with another --out and join the files with `bench merge`, or start over with --force';

/** {@link planKey} of a recorded run: on the device its sweep chose, where the engine then ran it. */
function planKeyOf(run: RunResult): string {
  return planKey(run, run.device.chosen ?? run.device.actual);
}

/** What a sweep plans for one configuration, as --resume checks it against the file. */
export interface PlannedConfig {
  /** {@link planKey}. */
  key: string;
  /** Shown in messages and progress: `resnet18 b8`. */
  label: string;
  /** The measurement settings the configuration is planned with. */
  config: RunConfig;
  /** Concrete input shapes, when known before loading (ONNX models). */
  inputs?: TensorInfo[];
  /** onnxruntime settings the run applies, by --ep-option name (engines/ort-options.ts appliedSettings). */
  settings?: Record<string, string>;
}

/** The machine facts a continued file must share: the same host, CPU and GPUs. */
function machineDifference(file: Environment, now: Environment): string | null {
  if (file.hostname !== now.hostname)
    return `was measured on host ${file.hostname}, not on this one (${now.hostname})`;
  const cpu = (e: Environment) => `${e.cpu.model} (${e.cpu.logicalCores} logical cores)`;
  if (cpu(file) !== cpu(now)) return `was measured on CPU ${cpu(file)}, this one is ${cpu(now)}`;
  const gpus = (e: Environment) => e.gpus.map((g) => g.name).join(', ') || 'none';
  if (gpus(file) !== gpus(now)) return `was measured with GPUs ${gpus(file)}; here: ${gpus(now)}`;
  return null;
}

/**
 * The file at `out` to continue, or undefined when there is none (the run then starts fresh). Throws
 * E_BAD_INPUT when the file is not a result file, was merged or written by --gpus, or was measured on
 * another machine or with another version of `engine`.
 */
export function openForResume(
  out: string,
  env: Environment,
  engine: { name: string; version: string },
): ResultFile | undefined {
  if (!existsSync(out)) return undefined;
  const refuse = (why: string, hint = RESUME_HINT): never => {
    throw new BenchError('E_BAD_INPUT', `--resume: ${out} ${why}`, { hint });
  };
  let file: ResultFile;
  try {
    file = readResultFile(out);
  } catch (e) {
    if (!(e instanceof BenchError)) throw e;
    // The reader's message names the file and what is wrong with it; the hint is about --out.
    throw new BenchError('E_BAD_INPUT', `--resume: ${e.message}`, {
      hint: 'choose another --out, or replace the file with --force',
    });
  }
  if (file.sources?.length)
    refuse('was written by `bench merge`; --resume continues a file from one `bench run`');
  if (file.aggregates?.length) refuse('was written by a --gpus run, which --resume cannot continue');
  const machine = machineDifference(file.environment, env);
  if (machine) refuse(machine);
  const other = file.runs.find((r) => r.engine.name === engine.name && r.engine.version !== engine.version);
  if (other) refuse(`was measured with ${engine.name} ${other.engine.version}; this is ${engine.version}`);
  return file;
}

/** The measured run of `file` that --resume keeps for `planned`, if any. */
function keptRun(file: ResultFile, planned: PlannedConfig): RunResult | undefined {
  return file.runs.find((r) => r.status === 'ok' && planKeyOf(r) === planned.key);
}

/** The settings that decide how long a configuration is measured, and their flags. */
const TIMING_FLAGS = [
  ['minDurationS', '--duration'],
  ['maxDurationS', '--max-duration'],
  ['minIterations', '--min-iterations'],
  ['warmupIterations', '--warmup'],
  ['relCiPct', '--rel-ci'],
] as const satisfies readonly (readonly [keyof RunConfig, string])[];

/**
 * One note per timing flag (--duration, --warmup and the like) with which `file` measured kept
 * configurations of `planned` differently from this command. Not a refusal: those flags change how
 * long a configuration was measured (and so its CI), not what; each run records its own settings.
 */
export function timingNotes(file: ResultFile, planned: readonly PlannedConfig[], out: string): string[] {
  const pairs = planned.flatMap((p) => {
    const run = keptRun(file, p);
    return run ? [{ was: run.config, now: p.config }] : [];
  });
  return TIMING_FLAGS.flatMap(([field, flag]) => {
    const differing = pairs.filter((c) => c.was[field] !== c.now[field]);
    const first = differing[0];
    if (!first) return [];
    const was = [...new Set(differing.map((c) => c.was[field]))].join(', ');
    return [
      `note: --resume: ${out} measured ${differing.length} of the ${pairs.length} kept configurations with ${flag} ${was} (this command: ${first.now[field]}); they are kept as measured, each run records its own settings`,
    ];
  });
}

/** The first setting in which `run` differs from `planned`, as [flag, the file's value, the new value]. */
function settingDifference(run: RunResult, planned: PlannedConfig): [string, string, string] | null {
  const c = planned.config;
  const asked = run.config.requestedTransfer ?? run.config.transfer;
  const show = (v: unknown): string => (v === undefined ? 'none' : String(v));
  const pairs: [string, unknown, unknown][] = [
    ['--transfer', asked, c.transfer],
    ['--qps', run.config.qps, c.qps],
    ['--latency-bound', run.config.latencyBoundMs, c.latencyBoundMs],
    ['--find-peak', run.config.findPeak ?? false, c.findPeak ?? false],
  ];
  for (const [flag, was, now] of pairs) if (was !== now) return [flag, show(was), show(now)];
  if (planned.settings && run.engine.name === 'ort') {
    const was = recordedSettings(run.engine.providerOptions, run.device.actual);
    for (const name of new Set([...Object.keys(was), ...Object.keys(planned.settings)])) {
      if (was[name] !== planned.settings[name]) {
        return [`--ep-option ${name}`, show(was[name]), show(planned.settings[name])];
      }
    }
  }
  if (planned.inputs && run.model.inputs.length > 0) {
    const shapes = (inputs: TensorInfo[]) => inputs.map((i) => `${i.name}:${i.shape.join('x')}`).join(',');
    if (shapes(run.model.inputs) !== shapes(planned.inputs)) {
      return ['--shape', shapes(run.model.inputs), shapes(planned.inputs)];
    }
  }
  return null;
}

/**
 * The {@link planKey}s of `planned` that `file` measured already (status ok), to be kept. Throws
 * E_USAGE when such a run was measured with other settings (--transfer, server settings, --ep-option,
 * input shapes): the file would otherwise hold two different measurements under one key.
 */
export function keptConfigurations(
  file: ResultFile,
  planned: readonly PlannedConfig[],
  out: string,
): Set<string> {
  const kept = new Set<string>();
  for (const p of planned) {
    const run = keptRun(file, p);
    if (!run) continue;
    const difference = settingDifference(run, p);
    if (difference) {
      const [flag, was, now] = difference;
      throw new BenchError(
        'E_USAGE',
        `--resume: ${out} measured ${p.label} with ${flag} ${was}; this command asks for ${now}`,
        { hint: `resume with the file's settings, or measure into another --out (bench merge joins files)` },
      );
    }
    kept.add(p.key);
  }
  return kept;
}

/**
 * One line per planned model that `file` holds in another version (another sha256: a zoo build with
 * another --seed, or a changed file): both stay in the file as different models, which a user should
 * hear about because tables show the name only.
 */
export function otherVersionNotes(
  file: ResultFile,
  models: readonly { name: string; sha256: string; precision: string }[],
  out: string,
): string[] {
  return models.flatMap((m) => {
    // An fp16 build of the same model is another precision, not another version: the table says so.
    const same = (r: RunResult): boolean => r.model.name === m.name && r.model.precision === m.precision;
    const others = [
      ...new Set(file.runs.filter((r) => same(r) && r.model.sha256 !== m.sha256).map((r) => r.model.sha256)),
    ];
    return others.length
      ? [
          `warning: --resume: ${out} holds ${m.name} with sha256 ${others.map((s) => s.slice(0, 12)).join(', ')}; this one is ${m.sha256.slice(0, 12)} (another --seed, or the file changed): both stay in the file as different models`,
        ]
      : [];
  });
}

/**
 * Adds `run` to `file`, in place of an earlier failed or skipped attempt at the same configuration
 * (so a resumed file holds one outcome per configuration), or at the end.
 */
export function recordRun(file: ResultFile, run: RunResult): void {
  const key = planKeyOf(run);
  const earlier = file.runs.findIndex((r) => r.status !== 'ok' && planKeyOf(r) === key);
  if (earlier >= 0) file.runs[earlier] = run;
  else file.runs.push(run);
}

/**
 * `previous` as the file a resumed run writes: its runs, environment and interruption mark kept
 * (see {@link interruptionMark}), `resumed` extended with this command.
 */
export function continuedFile(previous: ResultFile, command: string, now = new Date()): ResultFile {
  return {
    ...previous,
    runs: [...previous.runs],
    resumed: [...(previous.resumed ?? []), { at: now.toISOString(), command }],
  };
}

/**
 * The `interrupted` mark `file` should carry: configurations of this sweep (`planKeys`) or of an
 * earlier interrupted one (`previous.unfinishedKeys`) that the file still lacks. Undefined when none
 * is missing, or while a sweep that was never interrupted is still running (`signal` undefined and no
 * earlier mark). A mark without `unfinishedKeys` (an older file) counts only this sweep's.
 */
export function interruptionMark(
  file: ResultFile,
  planKeys: readonly string[],
  previous: ResultFile['interrupted'],
  signal?: string,
): ResultFile['interrupted'] {
  const signalName = signal ?? previous?.signal;
  if (signalName === undefined) return undefined;
  const present = new Set(file.runs.map(planKeyOf));
  const unfinished = [...new Set([...(previous?.unfinishedKeys ?? []), ...planKeys])].filter(
    (k) => !present.has(k),
  );
  if (unfinished.length === 0) return undefined;
  return {
    signal: signalName,
    finishedConfigurations: file.runs.length,
    plannedConfigurations: file.runs.length + unfinished.length,
    unfinishedKeys: unfinished,
  };
}
