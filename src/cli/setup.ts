/** `bench setup cuda`: fetches onnxruntime-node's CUDA 12 provider and checks what else is missing. */
import type { Command } from 'commander';
import { z } from 'zod';
import { setupCuda } from '../doctor/setup-cuda.js';
import { parseOptions, positiveNumber } from './parse.js';

const OptionsSchema = z.object({
  force: z.boolean().default(false),
  timeout: z.coerce.number().positive().default(900),
  json: z.boolean().default(false),
});

/** Registers `bench setup` and its `cuda` subcommand. */
export function register(program: Command): void {
  const setup = program.command('setup').description('install optional engine components');
  setup
    .command('cuda')
    .description(
      "download onnxruntime-node's CUDA 12 provider (needs network), then check the driver, CUDA 12 and cuDNN 9",
    )
    .option('--force', 'download again even when the provider files are present')
    .option('--timeout <s>', 'time limit for the download in seconds', positiveNumber('--timeout'), 900)
    .option('--json', 'print the outcome as JSON')
    .action(async (raw: unknown) => {
      const opts = parseOptions(
        OptionsSchema,
        raw,
        'give --timeout a positive number of seconds, e.g. --timeout 900',
      );
      const verbose = process.argv.includes('--verbose');
      const result = await setupCuda({
        force: opts.force,
        timeoutMs: opts.timeout * 1000,
        log: (line) => {
          if (verbose || /^(Downloading|Extracting)/.test(line)) process.stderr.write(`${line}\n`);
        },
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const out: string[] = [];
      out.push(
        result.action === 'downloaded'
          ? `installed the CUDA provider into ${result.binDir}`
          : `the CUDA provider files are already in ${result.binDir} (use --force to download again)`,
      );
      if (result.readiness.usable) out.push('cuda: all libraries load (driver, CUDA 12, cuDNN 9)');
      else out.push(`cuda: not usable yet: ${result.readiness.reason}`, `  fix: ${result.readiness.remedy}`);
      if (result.trial) {
        out.push(
          result.trial.ok
            ? 'cuda: ran the probe model on the GPU'
            : `cuda: the probe model failed on the GPU: ${result.trial.error}`,
        );
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
