/** `bench merge FILES... --out FILE`: runs from several machines in one result file. */
import { warningText } from '../report/warning-text.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { mergeCommand } from '../report/commands.js';
import { BenchError } from '../core/errors.js';

const OptionsSchema = z.object({
  out: z.string().min(1),
  force: z.boolean().optional(),
  json: z.boolean().optional(),
});

/** Registers `bench merge`. */
export function register(program: Command): void {
  program
    .command('merge')
    .description('combine result files from several machines into one (each run keeps its environment)')
    .argument('<files...>', 'result files to merge, in order')
    .requiredOption('--out <file>', 'where to write the merged result file')
    .option('--force', 'replace an existing --out')
    .option('--json', 'print what was merged (out, runs, sources, warnings) as JSON')
    .action((files: string[], raw: unknown) => {
      const parsed = OptionsSchema.safeParse(raw);
      if (!parsed.success)
        throw new BenchError('E_USAGE', '--out: a file path is required', {
          hint: 'bench merge a.json b.json --out all.json',
        });
      const result = mergeCommand(
        files,
        parsed.data.out,
        `bench merge ${files.join(' ')} --out ${parsed.data.out}`,
        { force: parsed.data.force ?? false },
      );
      if (parsed.data.json) {
        process.stdout.write(`${JSON.stringify({ out: parsed.data.out, ...result }, null, 2)}\n`);
        return;
      }
      for (const w of result.warnings) process.stderr.write(`warning: ${warningText(w)}\n`);
      const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
      process.stdout.write(
        `merged ${plural(result.runs, 'run')} from ${plural(result.sources, 'source')} into ${parsed.data.out}\n`,
      );
    });
}
