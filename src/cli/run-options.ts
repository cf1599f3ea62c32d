/** `bench run`'s flags: their definitions, the suite defaults help shows, and flags to run options. */
import { availableParallelism } from 'node:os';
import { Command, Help, Option } from 'commander';
import {
  DeviceRequestSchema,
  EngineNameSchema,
  PrecisionSchema,
  ScenarioSchema,
  TransferSchema,
} from '../results/schema.js';
import { loadSuite, SEED_BOUNDS, type RunOptionsInput, type Suite } from '../run/options.js';
import { ORT_OPTION_NAMES } from '../engines/ort-options.js';
import { boundedNumber, choice, choiceList, collect, gpuList, intList, positiveNumber } from './parse.js';

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

/** The flags as commander hands them to the action. */
export interface RunFlags {
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
  forceOversize?: boolean;
  gpus?: string;
}

/** Options from flags and suite, with flags given on the command line taking precedence. */
export function optionsFrom(flags: RunFlags, cmd: Command): RunOptionsInput {
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
    forceOversize: flags.forceOversize ?? false,
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

/** Adds every `bench run` flag to `cmd`, with the suite's defaults in its help. */
export function addRunOptions(cmd: Command): Command {
  return (
    cmd
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
        '--force-oversize',
        'run configurations whose estimated memory (weights + peak activations x batch, x2) exceeds the free memory, instead of recording them skipped',
      )
      .option(
        '--gpus <list>',
        "run on several GPUs at once, one worker process each: 'all' or indices like 0,1",
        gpuList('--gpus'),
      )
  );
}
