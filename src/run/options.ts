/**
 * Options of `bench run`, validated by one zod schema whether they come from flags, a suite file or a
 * test calling the API. Suites (bench/suites/*.yaml|json) give defaults; flags given on the command
 * line win.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { parseOrtOptions } from '../engines/ort-options.js';
import { BenchError, errorMessage } from '../core/errors.js';
import {
  DeviceRequestSchema,
  EngineNameSchema,
  PrecisionSchema,
  ScenarioSchema,
  TransferSchema,
} from '../results/schema.js';
import { nearestName } from '../core/suggest.js';
import { unique } from '../core/unique.js';
import { PACKAGE_ROOT } from '../core/version.js';
import { looksLikePath } from './models.js';

const positiveInt = z.number().int().positive();

/** Zoo weight and input seeds are 32-bit (the zoo cache key and the builders' generator). */
export const MAX_SEED = 0xffffffff;

/** The seed's bounds, so `run --seed` and `models export --seed` accept and word the same range. */
export const SEED_BOUNDS = { integer: true, min: 0, max: MAX_SEED } as const;

/**
 * The most intra-op threads a run accepts: 4 x the logical cores. Far more threads than cores makes
 * onnxruntime spend minutes creating and spinning them with the event loop blocked (Ctrl-C included),
 * and measures contention rather than the model.
 */
export function maxThreads(cores = availableParallelism()): number {
  return 4 * cores;
}

/** The usage message of a --threads value over {@link maxThreads}. */
export function threadsLimitMessage(value: string | number, cores = availableParallelism()): string {
  return `--threads '${value}': expected an integer from 0 to ${maxThreads(cores)} (4 x the ${cores} logical cores here)`;
}

/** The seed's range in words, the same for every way a seed is given. */
const SEED_MESSAGE = `must be an integer from 0 to ${MAX_SEED}`;

/** Splits repeated / comma-separated --model values (`a.onnx,b.onnx`), dropping empty entries. */
function splitModelSpecs(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/**
 * --max-duration when not given: 30 s, or twice --duration when that is longer. Twice, so a long
 * --duration still leaves as much time again for the CI target before the cut (as 3 s vs 30 s does
 * generously), and `--duration 60` just works instead of failing on a limit the user never typed.
 */
export function defaultMaxDurationS(durationS: number): number {
  return Math.max(30, 2 * durationS);
}

/** Custom-issue params: `standalone` messages name their flags themselves (no `--flag:` prefix). */
interface IssueParams {
  standalone?: boolean;
  hint?: string;
}

/**
 * One `item` or a non-empty list of them, as a list without repeats (`--precision fp32,fp16`,
 * `--threads 1,2`): `expected` is the message for a value of neither form, `empty` for an empty list.
 */
function oneOrList<T extends z.ZodType<string | number>>(
  item: T,
  messages: { expected: string; empty: string },
) {
  return z
    .union([item, z.array(item).min(1, messages.empty)], { error: messages.expected })
    .transform((v) => unique(Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

const THREADS_EXPECTED = 'expected a non-negative integer, or a list of them';

/** One precision or a list of them. */
const PrecisionListSchema = oneOrList(PrecisionSchema, {
  expected: `expected ${PrecisionSchema.options.join(' or ')}, or a list of them`,
  empty: 'give at least one precision',
});

/** A thread count (intra-op threads of one session; 0 = the engine's default) or a list of them. */
const ThreadsListSchema = oneOrList(z.number().int(THREADS_EXPECTED).nonnegative(THREADS_EXPECTED), {
  expected: THREADS_EXPECTED,
  empty: 'give at least one thread count',
});

/** Every option of a run, after defaults. */
const RunOptionsSchema = z
  .object({
    engine: EngineNameSchema.default('ort'),
    device: DeviceRequestSchema.default('auto'),
    /**
     * Zoo names or .onnx / model.json paths, each entry possibly a comma list (as --model takes them);
     * split here so flags, suites and API callers get the same list, a model named twice measured once.
     */
    models: z
      .array(z.string(), { error: 'give at least one --model' })
      .transform(splitModelSpecs)
      .pipe(z.array(z.string()).min(1, 'give at least one --model'))
      .transform(unique),
    /** `name:1x3x224x224` for inputs with symbolic dimensions other than the batch. */
    shapes: z.array(z.string()).default([]),
    batches: z.array(positiveInt).min(1).transform(unique).default([1]),
    /**
     * Zoo models are built at each of these precisions, a sweep dimension like the batch sizes (fp32
     * when not given); an ONNX file runs once, at the precision it has, and asking for another one
     * alone is an error (see resolveModel). One precision may be given without a list.
     */
    precision: PrecisionListSchema.optional(),
    /**
     * Intra-op threads (0 = engine default), or a list of them to sweep: each thread count is a
     * session of its own, measured at every batch size.
     */
    threads: ThreadsListSchema.default([0]),
    concurrency: positiveInt.default(1),
    scenario: ScenarioSchema.default('offline'),
    qps: z.number().positive().optional(),
    latencyBoundMs: z.number().positive().optional(),
    findPeak: z.boolean().default(false),
    warmup: z.number().int().nonnegative().default(5),
    durationS: z.number().positive('must be a positive number of seconds').default(3),
    minIterations: z.number().int().nonnegative().default(10),
    /** Default {@link defaultMaxDurationS}(durationS). */
    maxDurationS: z.number().positive().optional(),
    relCiPct: z.number().positive().default(2),
    transfer: TransferSchema.default('include'),
    seed: z.number().int(SEED_MESSAGE).min(0, SEED_MESSAGE).max(MAX_SEED, SEED_MESSAGE).default(0),
    // A blank path is refused too: it would only fail at the first write, after device detection.
    out: z
      .string()
      .refine((v) => v.trim() !== '', {
        message: '--out is empty: pass a file path',
        params: { standalone: true } satisfies IssueParams,
      })
      .optional(),
    force: z.boolean().default(false),
    /** Continue the sweep in --out: configurations it measured already are kept (see run/resume.ts). */
    resume: z.boolean().default(false),
    /** `--ep-option NAME=VALUE` entries: onnxruntime session and provider settings (engines/ort-options.ts). */
    epOptions: z.array(z.string()).default([]),
    fallback: z.boolean().default(true),
    /** Run configurations whose estimated working set exceeds the free memory (run/memory.ts) instead of skipping them. */
    forceOversize: z.boolean().default(false),
    /** GPU index for cuda/tensorrt (multi-GPU workers set it). */
    gpuIndex: z.number().int().nonnegative().default(0),
  })
  .superRefine((o, ctx) => {
    try {
      parseOrtOptions(o.epOptions, o.engine, o.device);
    } catch (e) {
      if (!(e instanceof BenchError)) throw e;
      const params: IssueParams = { standalone: true, ...(e.hint ? { hint: e.hint } : {}) };
      ctx.addIssue({ code: 'custom', path: ['epOptions'], message: e.message, params });
    }
    if (o.resume && o.force) {
      const params: IssueParams = {
        standalone: true,
        hint: '--resume keeps what --out holds, --force replaces it: pass one of them',
      };
      ctx.addIssue({ code: 'custom', path: ['resume'], message: '--resume and --force contradict', params });
    }
    if (o.resume && o.out === undefined) {
      const params: IssueParams = { standalone: true, hint: 'add --out FILE, the result file to continue' };
      ctx.addIssue({ code: 'custom', path: ['resume'], message: '--resume needs --out', params });
    }
    // Refinements run even when a field failed its own check: then `threads` is not a list yet.
    const tooMany = Array.isArray(o.threads) ? o.threads.find((t) => t > maxThreads()) : undefined;
    if (tooMany !== undefined) {
      const params: IssueParams = { standalone: true };
      ctx.addIssue({ code: 'custom', path: ['threads'], message: threadsLimitMessage(tooMany), params });
    }
    // tfjs-node reads TF_NUM_INTRAOP_THREADS and the wasm backend sizes its pool once per process:
    // later counts of a sweep would run at the first one while their runs named another.
    if (o.engine === 'tfjs' && Array.isArray(o.threads) && o.threads.length > 1) {
      const params: IssueParams = {
        standalone: true,
        hint: 'run one bench per thread count (--out for each) and join the files with `bench merge`',
      };
      const message = `--threads ${o.threads.join(',')}: TensorFlow.js fixes its thread count once per process, so --engine tfjs takes one count`;
      ctx.addIssue({ code: 'custom', path: ['threads'], message, params });
    }
    if (o.maxDurationS !== undefined && o.maxDurationS < o.durationS) {
      const params: IssueParams = {
        standalone: true,
        hint: `give --max-duration at least ${o.durationS}, or leave it out (default: the longer of 30 s and 2 x --duration)`,
      };
      ctx.addIssue({
        code: 'custom',
        path: ['maxDurationS'],
        message: `--max-duration ${o.maxDurationS} is shorter than --duration ${o.durationS}`,
        params,
      });
    }
    if (o.scenario === 'server' && o.qps === undefined && !o.findPeak) {
      ctx.addIssue({
        code: 'custom',
        path: ['qps'],
        message: 'the server scenario needs --qps N or --find-peak',
      });
    }
    if (o.scenario === 'server' && o.latencyBoundMs === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['latencyBoundMs'],
        message: 'the server scenario needs --latency-bound MS (the p99 bound)',
      });
    }
    // Server-only settings on another scenario would be silently ignored; say so instead.
    const serverOnly = [
      ['qps', o.qps !== undefined],
      ['latencyBoundMs', o.latencyBoundMs !== undefined],
      ['findPeak', o.findPeak],
    ] as const;
    for (const [key, given] of serverOnly) {
      if (o.scenario !== 'server' && given) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `only applies to the server scenario; add --scenario server or drop it`,
        });
      }
    }
    if (o.scenario === 'single-stream' && o.batches.some((b) => b !== 1)) {
      ctx.addIssue({
        code: 'custom',
        path: ['batches'],
        message: 'the single-stream scenario runs batch 1 only; drop --batch or use --scenario offline',
      });
    }
    // Single-stream is one query at a time by definition; recording c1 for a typed --concurrency 4
    // would silently measure something other than what was asked.
    if (o.scenario === 'single-stream' && o.concurrency !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['concurrency'],
        message:
          'the single-stream scenario runs one request at a time; drop --concurrency or use --scenario offline',
      });
    }
  })
  .transform((o) => ({ ...o, maxDurationS: o.maxDurationS ?? defaultMaxDurationS(o.durationS) }));

/** Validated run options. */
export type RunOptions = z.infer<typeof RunOptionsSchema>;
/** Run options as a caller may give them (defaults not yet applied). */
export type RunOptionsInput = z.input<typeof RunOptionsSchema>;

/** Flag name for each option, so validation errors name what the user typed. */
const FLAG_OF: Record<string, string> = {
  models: '--model',
  shapes: '--shape',
  batches: '--batch',
  durationS: '--duration',
  maxDurationS: '--max-duration',
  minIterations: '--min-iterations',
  relCiPct: '--rel-ci',
  latencyBoundMs: '--latency-bound',
  findPeak: '--find-peak',
  gpuIndex: '--gpus',
};

/** Validates options; the first problem becomes a one-line usage error naming the flag. */
export function parseRunOptions(input: RunOptionsInput): RunOptions {
  const parsed = RunOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  const flag = FLAG_OF[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const params = (issue?.code === 'custom' ? issue.params : undefined) as IssueParams | undefined;
  const message = issue?.message ?? 'invalid value';
  throw new BenchError('E_USAGE', params?.standalone ? message : `${flag}: ${message}`, {
    ...(params?.hint ? { hint: params.hint } : {}),
  });
}

/** A suite file: defaults for a run, plus an optional description. */
const SuiteSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    models: z.array(z.string().min(1)).min(1),
    batches: z.array(positiveInt).min(1).optional(),
    durationS: z.number().positive().optional(),
    maxDurationS: z.number().positive().optional(),
    minIterations: z.number().int().nonnegative().optional(),
    warmup: z.number().int().nonnegative().optional(),
    relCiPct: z.number().positive().optional(),
    scenario: ScenarioSchema.optional(),
    precision: PrecisionListSchema.optional(),
  })
  .strict();

/** A validated suite. */
export type Suite = z.infer<typeof SuiteSchema>;

/** Folder of the built-in suites. */
export const SUITES_DIR = join(PACKAGE_ROOT, 'bench', 'suites');

/** Every key a suite may have, in the order the hint lists them. */
const SUITE_FIELDS = Object.keys(SuiteSchema.shape);

/** The hint of every suite error: the format in one line and a file to copy. */
function suiteHint(): string {
  return `a suite needs name and models; optional: ${SUITE_FIELDS.filter((k) => k !== 'name' && k !== 'models').join(', ')} (example: ${join(SUITES_DIR, 'smoke.yaml')})`;
}

/** What a suite field should have been, in the words the flags use ("expected a positive number"). */
function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${issue.minimum} entry`;
      if (issue.minimum === 0) return `expected a ${issue.inclusive ? 'non-negative' : 'positive'} number`;
      return `expected a number ${issue.inclusive ? 'of at least' : 'above'} ${issue.minimum}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'expected an integer' : `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
}

/** Every problem of a suite in one line, so a user fixes them all at once rather than one per try. */
function suiteProblems(error: z.ZodError, raw: Record<string, unknown>): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map((k) => {
            // Case and separators aside, a close key is a typo (duration -> durationS, max-duration ->
            // maxDurationS); a far one gets no guess (the hint lists every key).
            const bare = k.replace(/[-_]/g, '').toLowerCase();
            const near = nearestName(
              bare,
              SUITE_FIELDS.map((f) => f.toLowerCase()),
            );
            const known = SUITE_FIELDS.find((f) => f.toLowerCase() === near);
            return known ? `unknown key "${k}" (did you mean "${known}"?)` : `unknown key "${k}"`;
          })
          .join('; ');
      }
      const top = issue.path[0];
      if (issue.path.length === 1 && typeof top === 'string' && !(top in raw)) return `missing "${field}"`;
      const value = issue.path.reduce<unknown>(
        (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
        raw,
      );
      return `field "${field}" (${JSON.stringify(value)}): ${expectation(issue)}`;
    })
    .join('; ');
}

/** Loads a suite by built-in name (smoke, default, full) or by path to a YAML/JSON file. */
export function loadSuite(nameOrPath: string): Suite {
  const builtIn = ['.yaml', '.yml', '.json']
    .map((ext) => join(SUITES_DIR, nameOrPath + ext))
    .find((p) => existsSync(p));
  const path = builtIn ?? nameOrPath;
  if (!existsSync(path)) {
    throw new BenchError(
      'E_FILE_NOT_FOUND',
      `--suite ${nameOrPath}: no built-in suite of that name and no such file`,
      {
        hint: 'built-in suites: smoke, default, full (bench/suites/)',
      },
    );
  }
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw =
      extname(path) === '.json' && text.trim() !== ''
        ? JSON.parse(text)
        : YAML.parse(text, { logLevel: 'error' }); // no YAMLWarning on stderr: the schema judges the values
  } catch (e) {
    throw new BenchError(
      'E_FILE_CORRUPT',
      `--suite ${path}: cannot parse (${errorMessage(e).split('\n')[0]})`,
      { hint: suiteHint() },
    );
  }
  if (raw === null || raw === undefined) {
    throw new BenchError('E_SCHEMA', `--suite ${path}: the file is empty`, { hint: suiteHint() });
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new BenchError('E_SCHEMA', `--suite ${path}: expected a mapping of keys (name, models, ...)`, {
      hint: suiteHint(),
    });
  }
  const parsed = SuiteSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BenchError(
      'E_SCHEMA',
      `--suite ${path}: ${suiteProblems(parsed.error, raw as Record<string, unknown>)}`,
      {
        hint: suiteHint(),
      },
    );
  }
  // A model file named in a suite is found beside the suite, as an include would be, not wherever
  // the command happens to run; zoo names (no slash, no extension) stay as they are.
  const here = dirname(resolve(path));
  const models = parsed.data.models.map((m) => (!isAbsolute(m) && looksLikePath(m) ? join(here, m) : m));
  return { ...parsed.data, models };
}
