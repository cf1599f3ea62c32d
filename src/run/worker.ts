/**
 * One multi-GPU worker: `node worker.js OPTIONS.json`. Runs the options (which name one gpuIndex and an
 * --out file) in its own process, so every GPU gets its own session and its own CPU thread pool.
 * Exit codes follow the CLI's.
 */
import { readFileSync } from 'node:fs';
import { errorMessage, ExitCode, isBenchError } from '../errors.js';
import type { RunOptionsInput } from './options.js';
import { runBenchmarks } from './run.js';

const [optionsPath] = process.argv.slice(2);
const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
try {
  const options = JSON.parse(readFileSync(optionsPath ?? '', 'utf8')) as RunOptionsInput;
  const { file } = await runBenchmarks(options, {
    signal: controller.signal,
    command: process.env['H100E_COMMAND'] ?? 'bench run --gpus',
  });
  process.exitCode = file.runs.some((r) => r.status === 'failed') ? ExitCode.failed : ExitCode.ok;
} catch (e) {
  process.stderr.write(`error: ${errorMessage(e)}\n`);
  process.exitCode = isBenchError(e) ? e.exitCode : ExitCode.failed;
}
