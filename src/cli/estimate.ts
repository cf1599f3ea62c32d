/** `bench estimate RESULT.json`: H100-equivalents of measured runs by each method. */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { readResultFile } from '../results/io.js';
import { estimateFile } from '../estimate/estimate.js';
import { formatEstimateCsv } from '../report/estimate-csv.js';
import { formatEstimateExplain, formatEstimateJson, formatEstimateTable } from '../report/estimate-text.js';
import { choice, exclusiveFlags, parseOptions, positiveNumber } from './parse.js';

const METHODS = ['all', 'measured'] as const;

const OptionsSchema = z.object({
  reference: z.string().min(1).optional(),
  as: z.string().min(1).optional(),
  json: z.boolean().optional(),
  csv: z.boolean().optional(),
  explain: z.boolean().optional(),
  method: z.enum(['all', 'measured']).default('all'),
  cpuBandwidth: z.coerce.number().positive().optional(),
});

/** Registers `bench estimate`. */
export function register(program: Command): void {
  program
    .command('estimate')
    .description(
      'H100-equivalents of a result file: capacity, measured, PyTorch (where results/reference/ ran the model), spec (both Epoch rules) and roofline, with the spread',
    )
    .argument('<result>', 'result file written by bench run --out')
    .option(
      '--reference <file>',
      'H100 SXM or H200 SXM reference result file (default: every result file in results/reference/, and its pytorch/ files)',
    )
    .option(
      '--as <device>',
      'catalog device the spec and roofline figures of GPU runs describe (for GPUs the catalog does not know)',
    )
    .addOption(
      new Option('--method <method>', 'measured only: fails when no run has a matching reference')
        .choices(METHODS)
        .argParser(choice('--method', METHODS))
        .default('all'),
    )
    .option(
      '--cpu-bandwidth <GBps>',
      'CPU memory bandwidth for the CPU roofline, GB/s (default: a documented assumption)',
      positiveNumber('--cpu-bandwidth'),
    )
    .option('--explain', 'print every figure with its derivation (divisor, its file and command, sources)')
    .option('--json', 'print JSON instead of text: every figure, its derivation as data and its method text')
    .option('--csv', 'print CSV instead of text: a row per run, each method unrounded, with its text')
    .action((result: string, raw: Record<string, unknown>) => {
      const o = parseOptions(OptionsSchema, raw, 'see bench estimate --help');
      exclusiveFlags(
        o,
        ['json', 'csv', 'explain'],
        'give one of them: --explain for the derivations, --json for the whole report, --csv for a spreadsheet',
      );
      const file = readResultFile(result);
      const report = estimateFile(file, result, {
        reference: o.reference,
        as: o.as,
        cpuBandwidthGBps: o.cpuBandwidth,
        measuredOnly: o.method === 'measured',
      });
      process.stdout.write(
        o.json
          ? formatEstimateJson(report)
          : o.csv
            ? formatEstimateCsv(report)
            : o.explain
              ? formatEstimateExplain(report)
              : formatEstimateTable(report),
      );
    });
}
