/**
 * `bench report FILES... --html out.html [--markdown out.md] [--csv runs.csv]`: a self-contained page
 * with charts, Markdown, and the runs for a spreadsheet.
 */
import { warningText } from '../report/warning-text.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { KEY_FIELDS } from '../results/key.js';
import { reportCommand } from '../report/commands.js';
import { flagHint, KeyFieldListSchema, parseIgnoreKey } from './compare.js';
import { parseOptions } from './parse.js';

const OptionsSchema = z.object({
  html: z.string().min(1).optional(),
  markdown: z.string().min(1).optional(),
  csv: z.string().min(1).optional(),
  ignoreKey: z.union([z.array(z.enum(KEY_FIELDS)), KeyFieldListSchema]).optional(),
  title: z.string().min(1).optional(),
  force: z.boolean().optional(),
  json: z.boolean().optional(),
});

/** Registers `bench report`. */
export function register(program: Command): void {
  program
    .command('report')
    .description(
      'write an HTML page (charts, works offline), Markdown and/or CSV (runs, for a spreadsheet) about result files',
    )
    .argument('<files...>', 'result files; with two or more, the others are compared with the first')
    .option('--html <file>', "write a self-contained HTML report here ('-': stdout)")
    .option('--markdown <file>', "write a Markdown report here ('-': stdout)")
    .option('--csv <file>', "write every run as a CSV row here, unrounded ('-': stdout)")
    .option(
      '--ignore-key <fields>',
      `key fields to leave out when matching files, comma-separated (${KEY_FIELDS.join(', ')})`,
      parseIgnoreKey,
    )
    .option('--title <text>', 'page title')
    .option('--force', 'replace existing --html / --markdown / --csv files')
    .option('--json', 'print what was written (files, warnings) as JSON; no report may go to stdout then')
    .action(async (files: string[], raw: unknown) => {
      const opts = parseOptions(OptionsSchema, raw, flagHint('report'));
      const toStdout = (['html', 'markdown', 'csv'] as const).find((f) => opts[f] === '-');
      if (opts.json && toStdout) {
        throw new BenchError('E_USAGE', `--json and --${toStdout} -: both would print to stdout`, {
          hint: `give --${toStdout} a file name, or drop --json`,
        });
      }
      const result = await reportCommand(files, {
        html: opts.html,
        markdown: opts.markdown,
        csv: opts.csv,
        ignore: opts.ignoreKey ?? [],
        title: opts.title,
        force: opts.force ?? false,
      });
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ written: result.written, warnings: result.warnings }, null, 2)}\n`,
        );
        return;
      }
      for (const w of result.warnings) process.stderr.write(`warning: ${warningText(w)}\n`);
      process.stdout.write(result.stdout);
      // With a report on stdout, "wrote" lines go to stderr so a pipe gets the report alone.
      const log = result.stdout ? process.stderr : process.stdout;
      for (const path of result.written) log.write(`wrote ${path}\n`);
    });
}
