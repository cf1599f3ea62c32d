/** Waiting for a result file that another process is writing, for tests that signal a sweep mid-way. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readResultFile } from '../src/results/io.js';

/**
 * Resolves once `out` holds at least `count` runs (each save is an atomic rename, so every read sees a
 * whole file); rejects after `timeoutMs` naming the file, so a stuck sweep fails with a clear message.
 */
export async function waitForRuns(out: string, count = 1, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(out) && readResultFile(out).runs.length >= count)) {
    if (Date.now() > deadline) throw new Error(`${out} had fewer than ${count} run(s) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs `node ARGS` (a CLI writing `out`), sends `signal` once `out` holds a run, and resolves with the
 * exit code and stderr. The signal is sent even when waiting fails, so no sweep is left running.
 */
export async function signalOnceSaved(
  args: readonly string[],
  out: string,
  signal: NodeJS.Signals,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await waitForRuns(out);
  } finally {
    child.kill(signal);
  }
  return { code: await exited, stderr };
}
