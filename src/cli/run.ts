/** `bench [run]`: thin wrapper over runBenchmarks() — flags, suite defaults, progress bar, Ctrl-C, table. */
import { availableParallelism } from 'node:os';
import { Command, Help, Option } from 'commander';
import cliProgress from 'cli-progress';
import { BenchError, ExitCode } from '../errors.js';
import {
  DeviceRequestSchema,
  EngineNameSchema,
  PrecisionSchema,
  ScenarioSchema,
  TransferSchema,
} from '../results/schema.js';
import { loadSuite, parseRunOptions, SEED_BOUNDS, type RunOptionsInput, type Suite } from '../run/options.js';
import { planRun } from '../run/plan.js';
import { formatRunPlan } from '../run/plan-format.js';
import { checkGpusDevice, resolveGpuList, resumeWithGpusError, runOnGpus } from '../run/multi-gpu.js';
import { ORT_OPTION_NAMES } from '../engines/ort-options.js';
import { SweepClock } from './eta.js';
import { runBenchmarks, signalExitCode, STOP_SIGNALS, type RunHooks, type RunOutcome } from '../run/run.js';
import { h100eColumn } from '../h100e/estimate.js';
import { formatRunTable, formatWarningNotes, type ExtraColumn } from '../run/table.js';
import {
  boundedNumber,
  choice,
  choiceList,
  collect,
  gpuList,
  intList,
  positiveNumber,
  unknownCommandError,
} from './parse.js';

// The choices are the result schema's enums, so a flag can never accept what a result file cannot record.
const DEVICES = DeviceRequestSchema.options;
const PRECISIONS = PrecisionSchema.options;
const SCENARIOS = ScenarioSchema.options;
const TRANSFERS = TransferSchema.options;
const ENGINES = EngineNameSchema.options;

/** The default suite as help shows it: read on first use, once; null when it cannot be read. */
let helpSuite: Suite | null | undefined;

/**
 * The help's default of a setting a suite also sets. Commander would print the flag's own default, but
 * bare `bench` (no --model) runs the default suite's values, so the help names both, read from the suite
 * file itself so they cannot drift.
 */
function suiteDefault(value: string, key: SuiteHelpKey): string {
  if (helpSuite === undefined) {
    try {
      helpSuite = loadSuite('default');
    } catch {
      helpSuite = null; // help must print even if the suite file is damaged; running will say why
    }
  }
  const v = helpSuite?.[key];
  const bare = Array.isArray(v) ? v.join(',') : v?.toString();
  return `the suite's, or ${value} with --model and no --suite${bare === undefined ? '' : `; bare \`bench\`: ${bare}`}`;
}

/** Suite settings whose default the help names. */
type SuiteHelpKey = 'batches' | 'durationS' | 'maxDurationS' | 'warmup' | 'minIterations';

/** Flags (by attribute) whose help names the default suite's value: the suite key and the flag's own default. */
const SUITE_HELP: Record<string, [SuiteHelpKey, string]> = {
  batch: ['batches', '1'],
  warmup: ['warmup', '5'],
  duration: ['durationS', '3'],
  minIterations: ['minIterations', '10'],
  maxDuration: ['maxDurationS', 'the longer of 30 and 2 x --duration'],
};

/**
 * Help that fills in the suite defaults only when an option's help is rendered, so registering the
 * commands (every `bench` invocation) reads no suite file.
 */
const suiteHelp = {
  optionDescription(this: Help, option: Option): string {
    const entry = SUITE_HELP[option.attributeName()];
    if (!entry) return Help.prototype.optionDescription.call(this, option);
    const text = suiteDefault(entry[1], entry[0]);
    // --max-duration has no default value (it follows --duration), so commander would print none.
    if (option.defaultValue === undefined) return `${option.description} (default: ${text})`;
    option.defaultValueDescription = text;
    return Help.prototype.optionDescription.call(this, option);
  },
};

/** Run options a suite may set, with the flag attribute that overrides each (a flag given on the command line wins). */
const SUITE_KEYS = {
  batches: 'batch',
  durationS: 'duration',
  maxDurationS: 'maxDuration',
  minIterations: 'minIterations',
  warmup: 'warmup',
  relCiPct: 'relCi',
  scenario: 'scenario',
  precision: 'precision',
} as const;

interface RunFlags {
  engine: 'ort' | 'tfjs';
  device: RunOptionsInput['device'];
  model?: string[];
  shape: string[];
  suite?: string;
  batch: number[];
  /** Undefined unless given: zoo models then build at fp32 and files run at their own precision. */
  precision?: ('fp32' | 'fp16')[];
  threads: number[];
  concurrency: number;
  scenario: 'offline' | 'single-stream' | 'server';
  qps?: number;
  latencyBound?: number;
  findPeak?: boolean;
  warmup: number;
  duration: number;
  minIterations: number;
  /** Undefined unless given: the run options then default it from --duration. */
  maxDuration?: number;
  relCi: number;
  transfer: 'include' | 'exclude';
  seed: number;
  out?: string;
  force?: boolean;
  resume?: boolean;
  epOption: string[];
  json?: boolean;
  quiet?: boolean;
  dryRun?: boolean;
  fallback: boolean;
  gpus?: string;
}

/** Options from flags and suite, with flags given on the command line taking precedence. */
function optionsFrom(flags: RunFlags, cmd: Command): RunOptionsInput {
  const fromCli = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  const suiteName = flags.suite ?? (flags.model ? undefined : 'default');
  const suite = suiteName ? loadSuite(suiteName) : undefined;
  const options: RunOptionsInput = {
    engine: flags.engine,
    device: flags.device,
    models: flags.model ?? suite?.models ?? [],
    shapes: flags.shape,
    batches: flags.batch,
    ...(flags.precision !== undefined ? { precision: flags.precision } : {}),
    threads: flags.threads,
    concurrency: flags.concurrency,
    scenario: flags.scenario,
    ...(flags.qps !== undefined ? { qps: flags.qps } : {}),
    ...(flags.latencyBound !== undefined ? { latencyBoundMs: flags.latencyBound } : {}),
    findPeak: flags.findPeak ?? false,
    warmup: flags.warmup,
    durationS: flags.duration,
    minIterations: flags.minIterations,
    ...(flags.maxDuration !== undefined ? { maxDurationS: flags.maxDuration } : {}),
    relCiPct: flags.relCi,
    transfer: flags.transfer,
    seed: flags.seed,
    ...(flags.out !== undefined ? { out: flags.out } : {}),
    force: flags.force ?? false,
    resume: flags.resume ?? false,
    epOptions: flags.epOption,
    fallback: flags.fallback,
  };
  if (suite) {
    for (const [key, flag] of Object.entries(SUITE_KEYS) as [keyof typeof SUITE_KEYS, string][]) {
      const value = suite[key];
      if (value !== undefined && !fromCli(flag)) Object.assign(options, { [key]: value });
    }
    // A --duration typed past the suite's max-duration wins over it: the user never typed --max-duration,
    // so it takes the default that follows --duration rather than failing on the suite's window.
    if (
      fromCli('duration') &&
      !fromCli('maxDuration') &&
      suite.maxDurationS !== undefined &&
      suite.maxDurationS < flags.duration
    ) {
      delete options.maxDurationS;
    }
    // A single-stream scenario chosen on the command line implies batch 1 over the suite's sweep.
    if (options.scenario === 'single-stream' && !fromCli('batch')) options.batches = [1];
  }
  return options;
}

/** The H100-equivalent of each configuration, labelled with the method that gave it. */
const H100E_COLUMN: ExtraColumn = { header: 'H100e', value: h100eColumn };

/**
 * The progress bar's line. Our fields are named apart from cli-progress's own ({total}, {eta},
 * {value}, ...), which it fills after the payload and would overwrite: {count} is the number of
 * configurations (the bar's own total is 100, the current configuration's percent).
 */
export const BAR_FORMAT = ' {bar} {percentage}% | {config} ({index}/{count}){left}';

/** The payload of {@link BAR_FORMAT} for configuration `i` of `n`, with the time-left text (or ''). */
export function barPayload(i: number, n: number, label: string, left: string): Record<string, unknown> {
  return { config: label, index: i + 1, count: n, left: left ? ` | ${left}` : '' };
}

/** Progress on stderr: a bar on a terminal, one line per configuration otherwise. */
function progressHooks(quiet: boolean): { hooks: RunHooks; stop: () => void } {
  if (quiet) return { hooks: {}, stop: () => undefined };
  const clock = new SweepClock();
  const timing: RunHooks = { onConfigDone: (run) => clock.done(run) };
  if (!process.stderr.isTTY) {
    return {
      hooks: {
        ...timing,
        onConfigStart: (i, n, label, pending) => {
          const left = clock.start(pending);
          process.stderr.write(`[${i + 1}/${n}] ${label}${left ? ` (${left})` : ''}\n`);
        },
        onConfigKept: (i, n, label) => process.stderr.write(`[${i + 1}/${n}] ${label}: kept (--resume)\n`),
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: BAR_FORMAT, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  // Once stopped (the run ended, or a signal came) the bar never draws again: after SIGHUP there is
  // no terminal to draw on, and after Ctrl-C a redraw would cover the "interrupted" notice.
  let stopped = false;
  return {
    hooks: {
      ...timing,
      onConfigStart: (i, n, label, pending) => {
        if (stopped) return;
        const payload = barPayload(i, n, label, clock.start(pending));
        if (!started) bar.start(100, 0, payload);
        started = true;
        bar.update(0, payload);
      },
      // A kept configuration takes no time: the next start redraws the bar, so nothing to draw here.
      onConfigKept: () => undefined,
      onProgress: (f) => {
        if (!stopped) bar.update(Math.round(100 * Math.min(1, f)));
      },
    },
    stop: () => {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}

/** Registers `run` (the default command). */
export function register(program: Command): void {
  program
    .command('run', { isDefault: true })
    .description('measure models and write a result file (bare `bench` runs the default suite)')
    // As the default command, run receives any word that is not a command: it arrives in cmd.args (no
    // declared argument, so help shows no internal name) and the action names the typo.
    .allowExcessArguments(true)
    .configureHelp(suiteHelp)
    .addOption(
      new Option('--engine <name>', 'inference engine')
        .choices(ENGINES)
        .argParser(choice('--engine', ENGINES))
        .default('ort'),
    )
    .addOption(
      // choices() first lists them in --help; argParser() then replaces commander's message with ours.
      new Option('--device <device>', 'where to run; auto: the first usable of cuda, webgpu, cpu')
        .choices(DEVICES)
        .argParser(choice('--device', DEVICES))
        .default('auto'),
    )
    .option(
      '--model <name|path>',
      'zoo name, .onnx path, or model.json with --engine tfjs (repeatable, or a comma list)',
      collect,
    )
    .option(
      '--shape <name:dims>',
      'concrete shape for an input with symbolic dimensions, e.g. input:1x3x224x224 (repeatable)',
      collect,
      [],
    )
    .option('--suite <name|path>', 'suite: smoke, default, full, or a YAML/JSON file')
    .addOption(
      new Option('--batch <list>', 'batch sizes, e.g. 1,8,32').argParser(intList('--batch')).default([1]),
    )
    .addOption(
      new Option(
        '--precision <list>',
        'zoo models: weights and activations, fp32, fp16 or int8 (QDQ, calibrated on seeded inputs; ort only), or a list such as fp32,int8 to sweep (default: fp32); an ONNX file runs once, at its own',
      ).argParser(choiceList('--precision', PRECISIONS)),
    )
    .addOption(
      new Option(
        '--threads <list>',
        `intra-op threads, or a list to sweep, e.g. 1,2 (0 = engine default; at most 4 x the ${availableParallelism()} logical cores; one count with --engine tfjs)`,
      )
        // The limit (4 x the cores) is the run options' check, worded the same from flags and the API.
        .argParser(intList('--threads', { allowZero: true }))
        .default([0], '0'),
    )
    .option(
      '--concurrency <n>',
      'requests in flight at once (offline scenario)',
      positiveNumber('--concurrency', { integer: true }),
      1,
    )
    .addOption(
      new Option(
        '--scenario <s>',
        'offline (throughput), single-stream (p90 latency), server (Poisson arrivals)',
      )
        .choices(SCENARIOS)
        .argParser(choice('--scenario', SCENARIOS))
        .default('offline'),
    )
    .option('--qps <n>', 'server scenario: target queries per second', positiveNumber('--qps'))
    .option(
      '--latency-bound <ms>',
      'server scenario: p99 latency bound in ms',
      positiveNumber('--latency-bound'),
    )
    .option('--find-peak', 'server scenario: search the highest QPS that meets the bound')
    .addOption(
      new Option('--warmup <n>', 'warm-up iterations before timing')
        .argParser(positiveNumber('--warmup', { integer: true, allowZero: true }))
        .default(5),
    )
    .addOption(
      new Option('--duration <s>', 'minimum measured seconds per configuration')
        .argParser(positiveNumber('--duration'))
        .default(3),
    )
    .addOption(
      new Option('--min-iterations <n>', 'minimum measured iterations')
        .argParser(positiveNumber('--min-iterations', { integer: true, allowZero: true }))
        .default(10),
    )
    .addOption(
      // No default value: when not given it follows --duration (see defaultMaxDurationS); the help
      // names it (see suiteHelp).
      new Option('--max-duration <s>', 'stop here even if the CI target is not met').argParser(
        positiveNumber('--max-duration'),
      ),
    )
    .addOption(
      new Option('--rel-ci <pct>', 'stop once the 95 % CI of median throughput is within ±pct')
        .argParser(positiveNumber('--rel-ci'))
        .default(2),
    )
    .addOption(
      new Option(
        '--transfer <mode>',
        'host-device copies inside (include) or outside (exclude) the timed region',
      )
        .choices(TRANSFERS)
        .argParser(choice('--transfer', TRANSFERS))
        .default('include'),
    )
    .option('--seed <n>', 'seed for inputs and zoo weights', boundedNumber('--seed', SEED_BOUNDS), 0)
    // An empty or blank --out is the run options' error, raised before device detection (see the action).
    .option('--out <file>', 'result file (default results/<date>-<host>-<device>.json)')
    .option('--force', 'overwrite an existing --out')
    .option(
      '--ep-option <name=value>',
      `onnxruntime setting (repeatable): ${ORT_OPTION_NAMES.join(', ')}`,
      collect,
      [],
    )
    .option(
      '--resume',
      'continue the sweep in --out: configurations it measured already are kept (refused if measured with another --transfer, server settings, --shape or --ep-option; timing flags may differ, with a note), the rest measured; no file yet starts one',
    )
    .option('--json', 'print the result JSON on stdout instead of the table')
    .option('--quiet', 'no progress and no table (still names the file written)')
    .option(
      '--dry-run',
      'print what the run would do (device, file, configurations, what --resume keeps, time bounds) and measure nothing; zoo models are built as a run builds them',
    )
    .option('--no-fallback', 'exit with code 3 instead of falling back to CPU')
    .option(
      '--gpus <list>',
      "run on several GPUs at once, one worker process each: 'all' or indices like 0,1",
      gpuList('--gpus'),
    )
    .action(async (flags: RunFlags, cmd: Command) => {
      const [word] = cmd.args;
      if (word !== undefined) {
        const commands = (cmd.parent?.commands ?? []).map((c) => c.name()).filter((n) => n !== 'help');
        throw unknownCommandError(word, commands);
      }
      const options = optionsFrom(flags, cmd);
      // Bad options must be a usage error (exit 2) before nvidia-smi is asked about --gpus (exit 3), and
      // before the notice below speaks of a run that will not happen.
      const parsed = parseRunOptions(options);
      if (flags.gpus !== undefined) {
        if (flags.resume) throw resumeWithGpusError();
        checkGpusDevice(parsed);
        if (flags.dryRun) {
          throw new BenchError('E_USAGE', '--dry-run plans a run on one device, not a --gpus run', {
            hint: 'drop --gpus: each of its workers runs the plan --dry-run prints for one GPU',
          });
        }
      }
      if (flags.dryRun) {
        const plan = await planRun(options, (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(flags.json ? JSON.stringify(plan, null, 2) + '\n' : formatRunPlan(plan));
        return;
      }
      const cores = availableParallelism();
      const most = Math.max(...flags.threads);
      if (most > cores) {
        process.stderr.write(
          `notice: --threads ${most} oversubscribes the ${cores} logical cores here; threads will wait on each other\n`,
        );
      }
      const controller = new AbortController();
      const progress = progressHooks(flags.quiet || flags.gpus !== undefined);
      let interrupts = 0;
      // SIGTERM (systemd, docker stop, a CI runner's cancel) and SIGHUP (the terminal closed) stop the
      // sweep like Ctrl-C: finished configurations are kept. The abort's reason names the signal, which
      // the file records and the exit code reports (130, 143, 129). A second signal quits at once; the
      // run's exit handlers still mark the file as interrupted and stop --gpus workers.
      const onSignal = (name: NodeJS.Signals) => {
        if (++interrupts > 1) process.exit(signalExitCode(name));
        progress.stop();
        // After SIGHUP the terminal is gone: nobody reads the notice, and the write would only fail (EIO).
        if (name !== 'SIGHUP') {
          const again = name === 'SIGINT' ? 'Ctrl-C' : name;
          process.stderr.write(
            `\ninterrupted: saving finished configurations (${again} again to quit at once)\n`,
          );
        }
        controller.abort(name);
      };
      for (const name of STOP_SIGNALS) process.on(name, onSignal);
      const common = {
        signal: controller.signal,
        command: ['bench', ...process.argv.slice(2)].join(' '),
        onNotice: (line: string) => process.stderr.write(`${line}\n`),
      };
      try {
        let outcome: RunOutcome;
        if (flags.gpus !== undefined) {
          outcome = await runOnGpus(options, await resolveGpuList(flags.gpus), common);
        } else {
          outcome = await runBenchmarks(options, { ...progress.hooks, ...common });
        }
        const { file, path, measured, kept } = outcome;
        progress.stop();
        if (flags.json) process.stdout.write(JSON.stringify(file, null, 2) + '\n');
        else if (!flags.quiet) {
          process.stdout.write(formatRunTable(file.runs, file.environment, [H100E_COLUMN]));
          // A resumed file may hold rows this command did not measure, and still miss some it planned earlier.
          const others = file.runs.length - kept - measured.length;
          if (kept > 0 || others > 0) {
            process.stdout.write(
              `--resume: ${kept} configuration(s) kept from ${path} as measured before (see their startedAt), ${measured.length} measured now${others > 0 ? `; ${others} more row(s) from earlier commands outside this one` : ''}\n`,
            );
          }
          const missing = file.interrupted?.unfinishedKeys?.length ?? 0;
          if (missing > 0) {
            process.stdout.write(
              `${path} is still incomplete: ${missing} configuration(s) of an earlier sweep missing (interrupted.unfinishedKeys); resume with that sweep's --model and --batch\n`,
            );
          }
          process.stdout.write(formatWarningNotes(file.runs));
          for (const a of file.aggregates ?? []) {
            process.stdout.write(
              `total over GPUs ${a.gpuIndices.join(',')}: ${a.totalSamplesPerS.toFixed(1)} img/s  (${a.key})\n`,
            );
          }
        }
        // Even under --quiet: with an auto-named file this line is the only way to know which was written.
        process.stderr.write(`results written to ${path}\n`);
        // What this command measured decides: a resumed file may hold an older failure it did not retry.
        if (measured.some((r) => r.status === 'failed')) process.exitCode = ExitCode.failed;
      } finally {
        progress.stop();
        for (const name of STOP_SIGNALS) process.off(name, onSignal);
      }
    });
}
