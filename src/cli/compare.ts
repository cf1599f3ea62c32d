/** `bench compare BASE NEW [MORE...]`: statistical verdicts per configuration and a regression gate. */
import { warningText } from '../report/warning-text.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { compareCommand } from '../report/commands.js';
import { KEY_FIELDS } from '../results/key.js';
import { boundedNumber, choiceList, exclusiveFlags, parseOptions } from './parse.js';

/** Comma-separated key fields, e.g. "threads,provider". */
export const KeyFieldListSchema = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(KEY_FIELDS)));

/** Flag parsers: each message echoes the value typed and says what is expected (zod below is a backstop). */
const parseFailOnRegression = boundedNumber('--fail-on-regression', { min: 0, max: 100 });
const parseAlpha = boundedNumber('--alpha', { min: 0, max: 1, minExclusive: true, maxExclusive: true });
const parseBootstrap = boundedNumber('--bootstrap', { integer: true, min: 100, max: 1_000_000 });
/** Non-negative like `bench run --seed`, so one seed works for both commands. */
const parseSeed = boundedNumber('--seed', { integer: true, min: 0 });
/** --ignore-key as typed: a comma list of key fields. */
export const parseIgnoreKey = choiceList('--ignore-key', KEY_FIELDS);

const OptionsSchema = z.object({
  json: z.boolean().optional(),
  markdown: z.boolean().optional(),
  csv: z.boolean().optional(),
  failOnRegression: z.coerce.number().min(0).max(100).optional(),
  allowMissing: z.boolean().optional(),
  // An array from the flag parser, or a string from an API caller.
  ignoreKey: z.union([z.array(z.enum(KEY_FIELDS)), KeyFieldListSchema]).optional(),
  alpha: z.coerce.number().gt(0).lt(1).default(0.05),
  bootstrap: z.coerce.number().int().min(100).max(1_000_000).default(2000),
  seed: z.coerce.number().int().min(0).default(1),
});

/** The hint for a bad flag of `command`: --ignore-key lists the key fields, others point at --help. */
export function flagHint(command: string): (flag: string) => string {
  return (flag) =>
    flag === '--ignore-key'
      ? `use a comma-separated list of ${KEY_FIELDS.join(', ')}`
      : `see bench ${command} --help`;
}

/** Parses commander's raw options; every failure is E_USAGE naming the flag. */
function parseCompareOptions(raw: unknown): z.infer<typeof OptionsSchema> {
  const options = parseOptions(OptionsSchema, raw, flagHint('compare'));
  exclusiveFlags(options, ['json', 'markdown', 'csv'], 'choose one output format per call');
  return options;
}

/** Registers `bench compare`. */
export function register(program: Command): void {
  program
    .command('compare')
    .description(
      'compare result files configuration by configuration (throughput ratio, CI, Mann-Whitney p, verdict; server keys: bound met, QPS, p99)',
    )
    .argument('<base>', 'result file everything is compared against')
    .argument('<new...>', 'one or more result files to compare with BASE')
    .option('--json', 'print the comparison as JSON')
    .option('--markdown', 'print a Markdown table (for a pull-request comment)')
    .option(
      '--csv',
      'print CSV: a row per configuration and later file, unrounded (for a spreadsheet), then one per configuration not every file holds',
    )
    .option(
      '--fail-on-regression <pct>',
      'exit 1 when a configuration is significantly slower by more than PCT percent (server keys: p99 rise, or peak QPS drop with --find-peak); a newly missed latency bound, or a configuration BASE measured that failed or is missing later, always fails',
      parseFailOnRegression,
    )
    .option(
      '--allow-missing',
      'with --fail-on-regression: configurations of BASE missing from a later file do not fail (comparing a subset on purpose); failed ones still do',
    )
    .option(
      '--ignore-key <fields>',
      `key fields to leave out of matching, comma-separated (${KEY_FIELDS.join(', ')})`,
      parseIgnoreKey,
    )
    .option(
      '--alpha <p>',
      'significance level of the Mann-Whitney test, above 0 and below 1',
      parseAlpha,
      0.05,
    )
    .option(
      '--bootstrap <n>',
      'bootstrap replicates per configuration (100 to 1000000)',
      parseBootstrap,
      2000,
    )
    .option('--seed <n>', 'bootstrap seed, a non-negative integer (same seed, same intervals)', parseSeed, 1)
    .action(async (base: string, others: string[], raw: unknown) => {
      const opts = parseCompareOptions(raw);
      const result = await compareCommand([base, ...others], {
        format: opts.json ? 'json' : opts.markdown ? 'markdown' : opts.csv ? 'csv' : 'table',
        failOnRegressionPct: opts.failOnRegression,
        allowMissing: opts.allowMissing ?? false,
        ignore: opts.ignoreKey ?? [],
        alpha: opts.alpha,
        bootstrapIterations: opts.bootstrap,
        seed: opts.seed,
      });
      // Markdown and JSON carry their warnings inside; the terminal table and CSV get them on stderr, first.
      if (!opts.json && !opts.markdown)
        for (const w of result.warnings) process.stderr.write(`warning: ${warningText(w)}\n`);
      process.stdout.write(result.stdout);
      if (result.error) throw result.error;
    });
}
