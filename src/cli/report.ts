/** `bench report FILES... --html out.html [--markdown out.md]`: a self-contained page with charts. */
import type { Command } from 'commander';
import { z } from 'zod';
import { reportCommand } from '../compare/commands.js';
import { flagHint, KeyFieldListSchema } from './compare.js';
import { parseOptions } from './parse.js';

const OptionsSchema = z.object({
  html: z.string().min(1).optional(),
  markdown: z.string().min(1).optional(),
  ignoreKey: KeyFieldListSchema.optional(),
  title: z.string().min(1).optional(),
  force: z.boolean().optional(),
});

/** Registers `bench report`. */
export function register(program: Command): void {
  program
    .command('report')
    .description('write an HTML page (charts, works offline) and/or Markdown about result files')
    .argument('<files...>', 'result files; with two or more, the others are compared with the first')
    .option('--html <file>', 'write a self-contained HTML report here')
    .option('--markdown <file>', 'write a Markdown report here')
    .option('--ignore-key <fields>', 'key fields to leave out when matching files, comma-separated')
    .option('--title <text>', 'page title')
    .option('--force', 'replace existing --html / --markdown files')
    .action(async (files: string[], raw: unknown) => {
      const opts = parseOptions(OptionsSchema, raw, flagHint('report'));
      const result = await reportCommand(files, {
        html: opts.html,
        markdown: opts.markdown,
        ignore: opts.ignoreKey ?? [],
        title: opts.title,
        force: opts.force ?? false,
      });
      for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
      for (const path of result.written) process.stdout.write(`wrote ${path}\n`);
    });
}
