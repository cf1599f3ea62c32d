/** `bench estimate RESULT.json`: H100-equivalents of measured runs by each method. */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { BenchError } from '../errors.js';
import { readResultFile } from '../results/io.js';
import type { ResultFile } from '../results/schema.js';
import { ranOnCpu } from '../h100e/references.js';
import { estimateFile } from '../h100e/estimate.js';
import { formatEstimateReport } from '../h100e/estimate-format.js';
import { choice, parseOptions, positiveNumber } from './parse.js';

const METHODS = ['all', 'measured'] as const;

const OptionsSchema = z.object({
  reference: z.string().min(1).optional(),
  as: z.string().min(1).optional(),
  json: z.boolean().optional(),
  method: z.enum(['all', 'measured']).default('all'),
  cpuBandwidth: z.coerce.number().positive().optional(),
});

/**
 * Refuses --as for a file with CPU runs (device cpu, or a GPU emulated in software): their figures
 * would be printed as another device's, a CPU number labelled as a GPU one.
 */
export function checkAsFlag(as: string | undefined, file: ResultFile, path: string): void {
  if (as === undefined) return;
  const cpu = file.runs.filter((r) => r.status === 'ok' && ranOnCpu(r));
  if (cpu.length === 0) return;
  const software = cpu.some((r) => r.device.software === true) ? ' or a GPU emulated in software' : '';
  throw new BenchError(
    'E_USAGE',
    `--as ${as}: ${path} has ${cpu.length === 1 ? '1 run' : `${cpu.length} runs`} measured on the CPU${software}; --as is for a GPU run whose GPU the catalog does not know`,
    { hint: 'drop --as; CPU runs get CPU estimates (run bench estimate on the machine that measured them)' },
  );
}

/** Registers `bench estimate`. */
export function register(program: Command): void {
  program
    .command('estimate')
    .description(
      'H100-equivalents of a result file: measured, spec (both Epoch rules) and roofline, with the spread',
    )
    .argument('<result>', 'result file written by bench run --out')
    .option(
      '--reference <file>',
      'H100 SXM or H200 SXM reference result file (default: every result file in results/reference/)',
    )
    .option(
      '--as <device>',
      'catalog device the spec and roofline figures describe (for GPUs the catalog does not know)',
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
    .option('--json', 'print JSON instead of text')
    .action((result: string, raw: Record<string, unknown>) => {
      const o = parseOptions(OptionsSchema, raw, 'see bench estimate --help');
      const file = readResultFile(result);
      checkAsFlag(o.as, file, result);
      const report = estimateFile(file, result, {
        reference: o.reference,
        as: o.as,
        cpuBandwidthGBps: o.cpuBandwidth,
        measuredOnly: o.method === 'measured',
      });
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatEstimateReport(report));
    });
}
