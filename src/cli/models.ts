/** `bench models`: list the zoo, export a zoo model, inspect any ONNX file's static cost. */
import type { Command } from 'commander';
import { z } from 'zod';
import { formatAnalysis, formatZooTable, unknownCostLine } from '../analyze/format.js';
import { analyzeModel, parseShapeFlags } from '../analyze/index.js';
import { exportZooModel } from '../analyze/zoo-export.js';
import { zooTable } from '../analyze/zoo-table.js';
import { BenchError } from '../errors.js';
import { collect, flagOfIssue } from './parse.js';

const ListSchema = z.object({ json: z.boolean().default(false) });

const ExportSchema = z.object({
  precision: z.enum(['fp32', 'fp16']).default('fp32'),
  seed: z.coerce.number().int().min(0).max(0xffffffff).default(0),
  out: z.string().min(1),
  force: z.boolean().default(false),
});

const InspectSchema = z.object({
  json: z.boolean().default(false),
  shape: z.array(z.string()).default([]),
});

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

/** Registers `bench models` with its `export` and `inspect` subcommands. */
export function register(program: Command): void {
  const models = program
    .command('models')
    .description(
      'list the model zoo with params and GMACs (counted by the analyzer); export or inspect models',
    )
    .option('--json', 'print the listing as JSON')
    .action((raw: unknown) => {
      const opts = parse(ListSchema, raw, 'models', 'run bench models --help');
      const rows = zooTable({
        onBuild: (name) => process.stderr.write(`building ${name} (first listing only)...\n`),
      });
      process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatZooTable(rows));
    });

  models
    .command('export <name>')
    .description('write a zoo model as an ONNX file')
    .option('--precision <p>', 'fp32 or fp16', 'fp32')
    .option('--seed <n>', 'weight seed (non-negative integer)', '0')
    .requiredOption('--out <file>', 'where to write the .onnx file')
    .option('--force', 'replace --out if it exists')
    .action((name: string, raw: unknown) => {
      const opts = parse(
        ExportSchema,
        raw,
        'models export',
        'e.g. bench models export resnet18 --precision fp16 --out resnet18.onnx',
      );
      const r = exportZooModel({ name, ...opts });
      process.stdout.write(
        `wrote ${r.path} (${r.name}, ${r.precision}, seed ${r.seed}, ${(r.bytes / 1e6).toFixed(1)} MB)\n`,
      );
    });

  models
    .command('inspect <file>')
    .description('static cost of an ONNX file: params, GMACs, GFLOPs, weight and activation MB, per-op table')
    .option(
      '--shape <name:dims>',
      'concrete input shape, e.g. input:1x3x224x224 (repeat per input)',
      collect,
      [],
    )
    .option('--json', 'print the analysis as JSON')
    .action((file: string, _raw: unknown, cmd: Command) => {
      // `--json` after `inspect` is parsed by the parent `models` command, so read both levels.
      const opts = parse(
        InspectSchema,
        cmd.optsWithGlobals(),
        'models inspect',
        'e.g. bench models inspect model.onnx --shape input:1x3x224x224',
      );
      const analysis = analyzeModel(file, { shapes: parseShapeFlags(opts.shape) });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(analysis, null, 2)}\n`);
        const missing = unknownCostLine(analysis);
        if (missing) process.stderr.write(`warning: ${missing}\n`);
      } else {
        process.stdout.write(formatAnalysis(file, analysis));
      }
    });
}
