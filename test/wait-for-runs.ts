/** Waiting for a result file that another process is writing, for tests that signal a sweep mid-way. */
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
