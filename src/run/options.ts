/**
 * Options of `bench run`, validated by one zod schema whether they come from flags, a suite file or a
 * test calling the API. Suites (bench/suites/*.yaml|json) give defaults; flags given on the command
 * line win.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { BenchError, errorMessage } from '../errors.js';
import { fieldIssue } from '../results/io.js';
import {
  DeviceRequestSchema,
  EngineNameSchema,
  PrecisionSchema,
  ScenarioSchema,
  TransferSchema,
} from '../results/schema.js';
import { PACKAGE_ROOT } from '../version.js';

const positiveInt = z.number().int().positive();

/** Every option of a run, after defaults. */
export const RunOptionsSchema = z
  .object({
    engine: EngineNameSchema.default('ort'),
    device: DeviceRequestSchema.default('auto'),
    /** Zoo names or .onnx / model.json paths. */
    models: z.array(z.string().min(1)).min(1, 'give at least one --model'),
    /** `name:1x3x224x224` for inputs with symbolic dimensions other than the batch. */
    shapes: z.array(z.string()).default([]),
    batches: z.array(positiveInt).min(1).default([1]),
    precision: PrecisionSchema.default('fp32'),
    /** Intra-op threads; 0 = engine default. */
    threads: z.number().int().nonnegative().default(0),
    concurrency: positiveInt.default(1),
    scenario: ScenarioSchema.default('offline'),
    qps: z.number().positive().optional(),
    latencyBoundMs: z.number().positive().optional(),
    findPeak: z.boolean().default(false),
    warmup: z.number().int().nonnegative().default(5),
    durationS: z.number().positive('must be a positive number of seconds').default(3),
    minIterations: z.number().int().nonnegative().default(10),
    maxDurationS: z.number().positive().default(30),
    relCiPct: z.number().positive().default(2),
    transfer: TransferSchema.default('include'),
    seed: z.number().int().nonnegative().default(0),
    out: z.string().optional(),
    force: z.boolean().default(false),
    fallback: z.boolean().default(true),
    /** GPU index for cuda/tensorrt (multi-GPU workers set it). */
    gpuIndex: z.number().int().nonnegative().default(0),
  })
  .superRefine((o, ctx) => {
    if (o.maxDurationS < o.durationS) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxDurationS'],
        message: `--max-duration (${o.maxDurationS}) is shorter than --duration (${o.durationS})`,
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
  });

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
  throw new BenchError('E_USAGE', `${flag}: ${issue?.message ?? 'invalid value'}`);
}

/** A suite file: defaults for a run, plus a description. */
const SuiteSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    models: z.array(z.string()).min(1),
    batches: z.array(positiveInt).optional(),
    durationS: z.number().positive().optional(),
    maxDurationS: z.number().positive().optional(),
    minIterations: z.number().int().nonnegative().optional(),
    warmup: z.number().int().nonnegative().optional(),
    relCiPct: z.number().positive().optional(),
    scenario: ScenarioSchema.optional(),
    precision: PrecisionSchema.optional(),
  })
  .strict();

/** A validated suite. */
export type Suite = z.infer<typeof SuiteSchema>;

/** Folder of the built-in suites. */
export const SUITES_DIR = join(PACKAGE_ROOT, 'bench', 'suites');

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
    raw = extname(path) === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new BenchError(
      'E_FILE_CORRUPT',
      `--suite ${path}: cannot parse (${errorMessage(e).split('\n')[0]})`,
    );
  }
  const parsed = SuiteSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BenchError('E_SCHEMA', `--suite ${path}: ${fieldIssue(parsed.error)}`);
  }
  return parsed.data;
}
