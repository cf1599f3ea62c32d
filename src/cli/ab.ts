/** `bench ab`: paired, interleaved A/B runs of two variants of one workload (docs/ab.md). */
import type { Command } from 'commander';
import { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { AB_FIELDS, runAb, type AbField } from '../ab/ab.js';
import { abRoundLine, abText } from '../report/ab-text.js';
import type { AbSideSpec } from '../results/ab-schema.js';
import { EngineNameSchema, PrecisionSchema } from '../results/schema.js';
import { boundedNumber, choice, choiceList, collect, parseOptions } from './parse.js';

const OptionsSchema = z.object({
  model: z.string().optional(),
  a: z.string().optional(),
  b: z.string().optional(),
  engine: EngineNameSchema.default('ort'),
  aEngine: EngineNameSchema.optional(),
  bEngine: EngineNameSchema.optional(),
  precision: PrecisionSchema.optional(),
  aPrecision: PrecisionSchema.optional(),
  bPrecision: PrecisionSchema.optional(),
  threads: z.number().int().min(0).default(1),
  aThreads: z.number().int().min(0).optional(),
  bThreads: z.number().int().min(0).optional(),
  epOption: z.array(z.string()).default([]),
  aEpOption: z.array(z.string()).optional(),
  bEpOption: z.array(z.string()).optional(),
  aDir: z.string().optional(),
  bDir: z.string().optional(),
  allowDiff: z.array(z.enum(AB_FIELDS)).default([]),
  batch: z.number().int().min(1).default(1),
  roundS: z.number().positive().default(0.5),
  warmupS: z.number().min(0).default(1),
  order: z.enum(['abba', 'random']).default('abba'),
  seed: z.number().int().min(0).default(1),
  relCi: z.number().positive().default(1),
  maxDuration: z.number().positive().default(60),
  minRounds: z.number().int().min(1).default(6),
  maxRounds: z.number().int().min(1).default(1000),
  failOnRegression: z.number().min(0).max(100).optional(),
  out: z.string().optional(),
  force: z.boolean().optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
  pin: z.boolean().default(true),
});
type Options = z.infer<typeof OptionsSchema>;

/** Side `side`'s spec: the shared flags, overridden by that side's own. */
function sideSpec(o: Options, side: 'a' | 'b'): AbSideSpec {
  const model = o[side] ?? o.model;
  if (model === undefined)
    throw new BenchError('E_USAGE', `no model for side ${side.toUpperCase()}`, {
      hint: 'give --model M (both sides), or --a M1 --b M2',
    });
  const precision = (side === 'a' ? o.aPrecision : o.bPrecision) ?? o.precision;
  const dir = side === 'a' ? o.aDir : o.bDir;
  return {
    model,
    engine: (side === 'a' ? o.aEngine : o.bEngine) ?? o.engine,
    ...(precision === undefined ? {} : { precision }),
    threads: (side === 'a' ? o.aThreads : o.bThreads) ?? o.threads,
    epOptions: (side === 'a' ? o.aEpOption : o.bEpOption) ?? o.epOption,
    ...(dir === undefined ? {} : { dir }),
  };
}

const engines = EngineNameSchema.options;
const precisions = PrecisionSchema.options;
const threadsOf = (flag: string) => boundedNumber(flag, { integer: true, min: 0 });
const positive = (flag: string) => boundedNumber(flag, { min: 0, minExclusive: true });

/** Registers `bench ab`. */
export function register(program: Command): void {
  program
    .command('ab')
    .description(
      'paired A/B test: run two variants of one workload in alternating short rounds (ABBA) in separate workers; verdict from the per-round ratios',
    )
    .option('--model <model>', 'zoo name or .onnx file both sides run (unless --a/--b)')
    .option('--a <model>', "side A's model (zoo name or .onnx file)")
    .option('--b <model>', "side B's model")
    .option(
      '--engine <name>',
      `engine of both sides (${engines.join(', ')})`,
      choice('--engine', engines),
      'ort',
    )
    .option('--a-engine <name>', "side A's engine", choice('--a-engine', engines))
    .option('--b-engine <name>', "side B's engine", choice('--b-engine', engines))
    .option(
      '--precision <p>',
      `zoo model precision of both sides (${precisions.join(', ')})`,
      choice('--precision', precisions),
    )
    .option('--a-precision <p>', "side A's precision", choice('--a-precision', precisions))
    .option('--b-precision <p>', "side B's precision", choice('--b-precision', precisions))
    .option('--threads <n>', 'intra-op threads of both sides (0: engine default)', threadsOf('--threads'), 1)
    .option('--a-threads <n>', "side A's threads", threadsOf('--a-threads'))
    .option('--b-threads <n>', "side B's threads", threadsOf('--b-threads'))
    .option('--ep-option <name=value>', 'onnxruntime setting of both sides, repeatable', collect)
    .option(
      '--a-ep-option <name=value>',
      "side A's onnxruntime settings (replace --ep-option), repeatable",
      collect,
    )
    .option(
      '--b-ep-option <name=value>',
      "side B's onnxruntime settings (replace --ep-option), repeatable",
      collect,
    )
    .option('--a-dir <folder>', "run side A's worker from this h100e installation (its own node_modules)")
    .option('--b-dir <folder>', "run side B's worker from this h100e installation")
    .option(
      '--allow-diff <fields>',
      `let A and B also differ in these (${AB_FIELDS.join(', ')}), comma-separated`,
      choiceList('--allow-diff', AB_FIELDS),
    )
    .option('--batch <n>', 'batch size of both sides', boundedNumber('--batch', { integer: true, min: 1 }), 1)
    .option('--round-s <s>', 'seconds per side per round', positive('--round-s'), 0.5)
    .option(
      '--warmup-s <s>',
      'seconds each side runs before the first round, not recorded',
      boundedNumber('--warmup-s', { min: 0 }),
      1,
    )
    .option(
      '--order <order>',
      'abba (AB BA AB ...) or random (seeded)',
      choice('--order', ['abba', 'random'] as const),
      'abba',
    )
    .option(
      '--seed <n>',
      'seed of the inputs and of --order random',
      boundedNumber('--seed', { integer: true, min: 0 }),
      1,
    )
    .option(
      '--rel-ci <pct>',
      "stop once the ratio's CI half-width is at most PCT % of it",
      positive('--rel-ci'),
      1,
    )
    .option(
      '--max-duration <s>',
      'stop after this many seconds in all (loading included)',
      positive('--max-duration'),
      60,
    )
    .option(
      '--min-rounds <n>',
      'fewest rounds before --rel-ci may stop the run',
      boundedNumber('--min-rounds', { integer: true, min: 1 }),
      6,
    )
    .option('--max-rounds <n>', 'most rounds', boundedNumber('--max-rounds', { integer: true, min: 1 }), 1000)
    .option(
      '--fail-on-regression <pct>',
      'exit 1 when B is significantly slower (paired verdict) by more than PCT percent',
      boundedNumber('--fail-on-regression', { min: 0, max: 100 }),
    )
    .option('--out <file>', 'write the result file here (both sides as runs, the rounds in its ab section)')
    .option('--force', 'overwrite --out')
    .option('--json', 'print the result file as JSON instead of text')
    .option('--quiet', 'no per-round progress on stderr')
    .option(
      '--no-pin',
      'leave the workers to the scheduler (default: pin each A/B worker pair to the same CPUs)',
    )
    .action(async (raw: unknown) => {
      const o = parseOptions(OptionsSchema, raw, () => 'see bench ab --help');
      const controller = new AbortController();
      const stop = () => controller.abort('SIGINT');
      process.once('SIGINT', stop);
      try {
        const { file, error } = await runAb(
          {
            a: sideSpec(o, 'a'),
            b: sideSpec(o, 'b'),
            allowDiff: o.allowDiff as AbField[],
            batch: o.batch,
            roundS: o.roundS,
            warmupS: o.warmupS,
            order: o.order,
            seed: o.seed,
            relCiPct: o.relCi,
            maxDurationS: o.maxDuration,
            minRounds: o.minRounds,
            maxRounds: o.maxRounds,
            confidence: 0.95,
            alpha: 0.05,
            ...(o.out === undefined ? {} : { out: o.out }),
            force: o.force ?? false,
            pin: o.pin,
            ...(o.failOnRegression === undefined ? {} : { failOnRegressionPct: o.failOnRegression }),
            command: ['bench', ...process.argv.slice(2)].join(' '),
          },
          {
            signal: controller.signal,
            ...(o.quiet ? {} : { onRound: (r, s) => process.stderr.write(`${abRoundLine(r, s)}\n`) }),
          },
        );
        process.stdout.write(o.json ? `${JSON.stringify(file, null, 2)}\n` : abText(file.ab));
        if (o.out) process.stderr.write(`result written to ${o.out}\n`);
        if (error) throw error;
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
