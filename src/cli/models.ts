/** `bench models`: list the zoo, export a zoo model, inspect any ONNX file's (or zoo model's) static cost. */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { getZooEntry } from '../../models/index.js';
import { formatAnalysis, formatZooTable, unknownCostLine } from '../report/analyze-text.js';
import { analyzeModel, parseShapeFlags } from '../analyze/index.js';
import { exportZooModel } from '../analyze/zoo-export.js';
import { zooTable } from '../analyze/zoo-table.js';
import { BenchError } from '../core/errors.js';
import { PrecisionSchema, type Precision } from '../results/schema.js';
import { looksLikePath } from '../run/models.js';
import { MAX_SEED, SEED_BOUNDS } from '../run/options.js';
import { ensureZooModel } from '../run/int8-cache.js';
import { boundedNumber, choice, collect, flagOfIssue, unknownCommandError } from './parse.js';

const PRECISIONS = PrecisionSchema.options;

const ListSchema = z.object({ json: z.boolean().default(false) });

const ExportSchema = z.object({
  precision: PrecisionSchema.default('fp32'),
  seed: z.coerce.number().int().min(0).max(MAX_SEED).default(0),
  out: z.string().min(1),
  force: z.boolean().default(false),
  externalData: z.boolean().default(false),
  json: z.boolean().default(false),
});

const InspectSchema = z.object({
  json: z.boolean().default(false),
  precision: PrecisionSchema.default('fp32'),
  shape: z.array(z.string()).default([]),
});

/** Backstop for values the flag parsers let through (e.g. an empty --out): one line naming the flag. */
function parse<T>(schema: z.ZodType<T>, raw: unknown, command: string, hint: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path[0] !== undefined ? flagOfIssue(issue) : 'options';
    throw new BenchError('E_USAGE', `bench ${command}: invalid ${flag} (${issue?.message ?? 'bad value'})`, {
      hint,
    });
  }
  return parsed.data;
}

/**
 * The .onnx file `inspect` reads: an existing file as given, else a zoo name built (or taken from the
 * cache) as `bench run` does, so `bench models inspect squeezenet1_1` works like `--model squeezenet1_1`.
 */
async function inspectTarget(spec: string, precision: Precision): Promise<{ path: string; label: string }> {
  if (existsSync(spec) || looksLikePath(spec)) return { path: spec, label: spec };
  const entry = getZooEntry(spec); // unknown names: E_UNKNOWN_MODEL with the close names
  return {
    path: await ensureZooModel(entry.name, { precision, seed: 0 }),
    label: `${entry.name} (zoo model, ${precision}, seed 0)`,
  };
}

/** Registers `bench models` with its `export` and `inspect` subcommands. */
export function register(program: Command): void {
  const models = program
    .command('models')
    .description(
      'list the model zoo with params and GMACs (counted by the analyzer); export or inspect models',
    )
    .option('--json', 'print the listing as JSON')
    // A mistyped subcommand (`models exprot`) arrives as an extra argument: name it and suggest instead
    // of commander's "too many arguments".
    .allowExcessArguments(true)
    .action((raw: unknown, cmd: Command) => {
      const [word, sub] = cmd.args;
      // `bench models help export` reads like `bench help models export`: answer it the same way.
      if (word === 'help') {
        const target = sub === undefined ? cmd : cmd.commands.find((c) => c.name() === sub);
        if (!target)
          throw unknownCommandError(
            sub ?? '',
            cmd.commands.map((c) => c.name()),
            'models',
          );
        target.help();
      }
      if (word !== undefined) {
        throw unknownCommandError(
          word,
          cmd.commands.map((c) => c.name()),
          'models',
        );
      }
      const opts = parse(ListSchema, raw, 'models', 'run bench models --help');
      const rows = zooTable({
        onBuild: (name) => process.stderr.write(`building ${name} (first listing only)...\n`),
      });
      process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatZooTable(rows));
    });

  models
    .command('export <name>')
    .description('write a zoo model as an ONNX file')
    .allowExcessArguments(false) // subcommands inherit the parent's true, set above for typos
    .addOption(
      new Option('--precision <p>', 'weights and activations')
        .choices(PRECISIONS)
        .argParser(choice('--precision', PRECISIONS))
        .default('fp32'),
    )
    .option('--seed <n>', 'weight seed', boundedNumber('--seed', SEED_BOUNDS), 0)
    .requiredOption('--out <file>', 'where to write the .onnx file')
    .option('--force', 'replace --out if it exists')
    .option('--external-data', 'store the weights in a side file FILE.onnx.data (ONNX external data)')
    .option('--json', 'print what was written (path, model, precision, seed, bytes) as JSON')
    .action(async (name: string, _raw: unknown, cmd: Command) => {
      // `--json` after `export` is parsed by the parent `models` command, so read both levels.
      const { json, ...opts } = parse(
        ExportSchema,
        cmd.optsWithGlobals(),
        'models export',
        'e.g. bench models export resnet18 --precision fp16 --out resnet18.onnx',
      );
      // int8 builds calibrate through onnxruntime first (asynchronous); the export then copies the cache.
      if (opts.precision === 'int8') await ensureZooModel(getZooEntry(name).name, opts);
      const r = exportZooModel({ name, ...opts });
      process.stdout.write(
        json
          ? `${JSON.stringify(r, null, 2)}\n`
          : `wrote ${r.path} (${r.name}, ${r.precision}, seed ${r.seed}, ${(r.bytes / 1e6).toFixed(1)} MB)${
              r.dataPath ? ` and its weights ${r.dataPath}` : ''
            }\n`,
      );
    });

  models
    .command('inspect <file|name>')
    .description(
      'static cost of an ONNX file or zoo model: params, GMACs, GFLOPs, weight and activation MB, per-op table',
    )
    .allowExcessArguments(false)
    .option(
      '--shape <name:dims>',
      'concrete input shape, e.g. input:1x3x224x224 (repeat per input)',
      collect,
      [],
    )
    .option('--json', 'print the analysis as JSON')
    .addOption(
      new Option('--precision <p>', 'zoo models: which build to inspect (files are read as they are)')
        .choices(PRECISIONS)
        .argParser(choice('--precision', PRECISIONS))
        .default('fp32'),
    )
    .action(async (file: string, _raw: unknown, cmd: Command) => {
      // `--json` after `inspect` is parsed by the parent `models` command, so read both levels.
      const opts = parse(
        InspectSchema,
        cmd.optsWithGlobals(),
        'models inspect',
        'e.g. bench models inspect model.onnx --shape input:1x3x224x224',
      );
      const shapes = parseShapeFlags(opts.shape);
      const target = await inspectTarget(file, opts.precision);
      const analysis = analyzeModel(target.path, { shapes });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(analysis, null, 2)}\n`);
        const missing = unknownCostLine(analysis);
        if (missing) process.stderr.write(`warning: ${missing}\n`);
      } else {
        process.stdout.write(formatAnalysis(target.label, analysis));
      }
    });
}
