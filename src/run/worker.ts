/**
 * One multi-GPU worker: `node worker.js OPTIONS.json`. Runs the options (which name one gpuIndex and an
 * --out file) in its own process, so every GPU gets its own session and its own CPU thread pool.
 * Exit codes follow the CLI's.
 */
import { readFileSync } from 'node:fs';
import { errorMessage, ExitCode, tolerateClosedTerminal, isBenchError } from '../core/errors.js';
import type { RunOptionsInput } from './options.js';
import { runBenchmarks, STOP_SIGNALS } from './run.js';

const [optionsPath] = process.argv.slice(2);
// The worker shares the parent's stderr: a closed terminal must not crash it before it saves.
tolerateClosedTerminal();
const controller = new AbortController();
// The parent forwards SIGINT, SIGTERM and SIGHUP; a terminal's Ctrl-C also reaches the worker directly.
// Each stops the sweep after saving, with the signal's name as the reason (it is recorded in the file).
for (const name of STOP_SIGNALS) {
  process.on(name, () => controller.abort(name));
}
// The parent is gone (killed outright): stop rather than measure on as an orphan nobody merges.
process.on('disconnect', () => controller.abort('SIGHUP'));
// The IPC channel only carries "saved" notices; it must not keep a finished worker alive.
process.channel?.unref();
try {
  const options = JSON.parse(readFileSync(optionsPath ?? '', 'utf8')) as RunOptionsInput;
  const { file } = await runBenchmarks(options, {
    signal: controller.signal,
    command: process.env['H100E_COMMAND'] ?? 'bench run --gpus',
    // The callback swallows a send to a parent that has just gone (no 'error' event to crash on).
    onConfigDone: () => {
      if (process.connected) process.send?.('saved', undefined, undefined, () => undefined);
    },
  });
  process.exitCode = file.runs.some((r) => r.status === 'failed') ? ExitCode.failed : ExitCode.ok;
} catch (e) {
  // An interrupted worker's file is the parent's to report; its temporary path means nothing to the user.
  if (!isBenchError(e) || e.code !== 'E_INTERRUPTED') process.stderr.write(`error: ${errorMessage(e)}\n`);
  process.exitCode = isBenchError(e) ? e.exitCode : ExitCode.failed;
}
