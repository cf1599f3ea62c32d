/** `bench doctor`: what can run here, and for everything that cannot, why and how to fix it. */
import type { Command } from 'commander';
import { z } from 'zod';
import { runDoctor } from '../doctor/doctor.js';
import { formatDoctorReport } from '../report/doctor-text.js';
import { parseOptions, positiveNumber } from './parse.js';

const OptionsSchema = z.object({
  json: z.boolean().default(false),
  tfjs: z.boolean().default(true),
  timeout: z.coerce.number().positive().default(30),
});

/** Registers `bench doctor`. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'check GPUs, onnxruntime providers (cpu, webgpu, cuda, tensorrt), Vulkan and tfjs backends; print reasons and remedies',
    )
    .option('--json', 'print the report as JSON')
    .option('--no-tfjs', 'skip the TensorFlow.js backend checks')
    .option('--timeout <s>', 'time limit per provider check in seconds', positiveNumber('--timeout'), 30)
    .action(async (raw: unknown) => {
      const opts = parseOptions(
        OptionsSchema,
        raw,
        'give --timeout a positive number of seconds, e.g. --timeout 30',
      );
      const report = await runDoctor({ trialTimeoutMs: opts.timeout * 1000, skipTfjs: !opts.tfjs });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
    });
}
